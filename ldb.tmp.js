const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] }));
(async () => { const db = new Level(process.argv[2], { valueEncoding: 'json' }); await db.open(); await db.compactRange('\x00', '\xff'); await db.close(); })();
