/**
 * A node that can sit in at most one {@link ActivityList}. The links live in
 * the connection itself (an intrusive list), so moving a connection costs no
 * allocation.
 */
export interface ActivityNode {
  /** Previous node, or `null` at the head. Managed by the list. */
  activityPrev: ActivityNode | null;
  /** Next node, or `null` at the tail. Managed by the list. */
  activityNext: ActivityNode | null;
  /** The list this node is in, or `null`. Managed by the list. */
  activityList: ActivityList<ActivityNode> | null;
}

/**
 * A doubly linked list kept in time order by appending at the tail: the head
 * is always the node that has waited longest. Append, remove and move-to-tail
 * are O(1), which is what lets the idle reaper record activity on every read.
 */
export class ActivityList<T extends ActivityNode> {
  #head: T | null = null;
  #tail: T | null = null;
  #size = 0;

  /** Number of nodes in the list. */
  get size(): number {
    return this.#size;
  }

  /** The oldest node, or `null`. */
  get first(): T | null {
    return this.#head;
  }

  /** Appends `node` at the tail, first removing it from whatever list holds it. */
  pushBack(node: T): void {
    if (node.activityList !== null) node.activityList.remove(node);
    node.activityPrev = this.#tail;
    node.activityNext = null;
    if (this.#tail !== null) this.#tail.activityNext = node;
    else this.#head = node;
    this.#tail = node;
    node.activityList = this as unknown as ActivityList<ActivityNode>;
    this.#size++;
  }

  /** Removes `node` if it is in this list; otherwise does nothing. */
  remove(node: T): void {
    if (node.activityList !== (this as unknown as ActivityList<ActivityNode>)) return;
    const prev = node.activityPrev as T | null;
    const next = node.activityNext as T | null;
    if (prev !== null) prev.activityNext = next;
    else this.#head = next;
    if (next !== null) next.activityPrev = prev;
    else this.#tail = prev;
    node.activityPrev = null;
    node.activityNext = null;
    node.activityList = null;
    this.#size--;
  }
}
