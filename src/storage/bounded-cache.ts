/** A map that forgets its least recently used entry past `capacity` (SQL texts, statements). */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  getOrCreate(key: K, create: (key: K) => V): V {
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      // Re-insert so Map's insertion order doubles as recency order.
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const value = create(key);
    if (this.#map.size >= this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
    return value;
  }
}
