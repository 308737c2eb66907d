/**
 * Writes one JSON array an element at a time, byte for byte as `JSON.stringify(array, null, 2)` and a newline
 * would: a long list is printed as its elements arrive, never held whole. Elements arriving in the same turn of
 * the event loop go out in one write.
 */
export class JsonArrayWriter {
  private count = 0;
  private buffered = '';
  private flushScheduled = false;

  constructor(private readonly write: (text: string) => void) {}

  add(value: unknown): void {
    // Stringified inside an array, the element comes out indented as it is in the whole array: "[\n  " ... "\n]".
    const element = JSON.stringify([value], null, 2);
    this.buffered += `${this.count++ === 0 ? '[\n  ' : ',\n  '}${element.slice(4, -2)}`;
    if (this.buffered.length >= 64 * 1024) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Closes the array and writes what is left. */
  end(): void {
    this.buffered += this.count === 0 ? '[]\n' : '\n]\n';
    this.flush();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.buffered === '') return;
    const text = this.buffered;
    this.buffered = '';
    this.write(text);
  }
}
