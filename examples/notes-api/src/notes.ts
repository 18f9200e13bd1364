/** The example's data: a tiny in-memory note store (the example is about access control, not storage). */
export interface Note {
  id: string;
  ownerId: string;
  title: string;
  body: string;
  /** Archived notes are read-only for everyone (the policy's deny rule). */
  archived?: boolean;
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

  update(id: string, change: Partial<Pick<Note, 'title' | 'body' | 'archived'>>): Note | undefined {
    const note = this.#notes.get(id);
    if (note === undefined) return undefined;
    const updated = { ...note, ...change };
    this.#notes.set(id, updated);
    return updated;
  }

  delete(id: string): boolean {
    return this.#notes.delete(id);
  }
}
