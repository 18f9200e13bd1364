/** The example's data: a tiny in-memory note store (the example is about access control, not storage). */
export interface Note {
  id: string;
  ownerId: string;
  title: string;
  body: string;
}

export class NoteStore {
  readonly #notes = new Map<string, Note>();
  #next = 1;

  constructor(seed: readonly Omit<Note, 'id'>[] = []) {
    for (const note of seed) this.add(note);
  }

  add(note: Omit<Note, 'id'>): Note {
    const created = { ...note, id: String(this.#next++) };
    this.#notes.set(created.id, created);
    return created;
  }

  list(): Note[] {
    return [...this.#notes.values()];
  }

  get(id: string): Note | undefined {
    return this.#notes.get(id);
  }

  delete(id: string): boolean {
    return this.#notes.delete(id);
  }
}
