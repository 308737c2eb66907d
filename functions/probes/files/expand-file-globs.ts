import { glob } from 'tinyglobby';

// `--files GLOB`: shell globstar conventions (`**` matches zero or more folders, `{a,b}` alternatives, `*` never
// crosses a `/`, dot files only when named), as bash with `shopt -s globstar` expands them, but without the shell:
// the pattern is quoted so that the same gate behaves alike in every CI shell.

export interface ExpandedGlob {
  readonly pattern: string;
  /** The files it matches, in sorted path order (code-point order, as `LC_ALL=C ls` sorts). */
  readonly paths: readonly string[];
}

/** The files each pattern matches, relative to `cwd` for a relative pattern, absolute for an absolute one. */
export async function expandFileGlobs(patterns: readonly string[], cwd = process.cwd()): Promise<ExpandedGlob[]> {
  return Promise.all(
    patterns.map(async (pattern) => {
      const paths = await glob(pattern, { cwd, onlyFiles: true, expandDirectories: false, dot: false, absolute: isAbsolutePattern(pattern) });
      return { pattern, paths: paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
    }),
  );
}

function isAbsolutePattern(pattern: string): boolean {
  return pattern.startsWith('/');
}
