import { useCallback, useEffect, useState } from "react";
import { type Department, type DepartmentNode, listChildren, loadTree } from "./orgApi";

/** The key under which a dimension's root departments are kept. */
export const ROOT = "";

export interface TreeState {
  dimensionId: string;
  /** Loaded children per parent id (ROOT for the roots); a missing key is a level not loaded yet. */
  children: Record<string, Department[]>;
  loading: boolean;
  error: unknown;
}

const empty = (dimensionId: string): TreeState => ({
  dimensionId,
  children: {},
  loading: true,
  error: undefined,
});

/** Flattens the nested answer of /departments/tree into children-per-parent, the shape the page keeps. */
function flatten(nodes: DepartmentNode[], parent: string, into: Record<string, Department[]>): void {
  into[parent] = nodes.map(({ children: _children, ...department }) => department);
  for (const node of nodes) {
    // The deepest level asked for comes with empty children: loaded only when it really has none.
    if (node.children && (node.children.length > 0 || node.childCount === 0)) flatten(node.children, node.id, into);
  }
}

/**
 * A dimension's department tree, loaded lazily: the first two levels at once, deeper levels when a node is
 * expanded (a ministry-sized tree has tens of thousands of departments). Changes reload only the levels
 * they touch.
 */
export function useDepartmentTree(dimensionId: string | undefined) {
  const [state, setState] = useState<TreeState>(() => empty(dimensionId ?? ""));
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!dimensionId) return;
    let cancelled = false;
    loadTree(dimensionId, 2).then(
      (nodes) => {
        if (cancelled) return;
        const children: Record<string, Department[]> = {};
        flatten(nodes, ROOT, children);
        setState({ dimensionId, children, loading: false, error: undefined });
      },
      (error: unknown) => {
        if (!cancelled) setState({ ...empty(dimensionId), loading: false, error });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [dimensionId, generation]);

  /** Loads (or reloads) the children of one department. */
  const loadChildren = useCallback(
    async (parentId: string) => {
      if (!dimensionId) return;
      const rows = await listChildren(dimensionId, parentId);
      setState((previous) =>
        previous.dimensionId !== dimensionId
          ? previous
          : { ...previous, children: { ...previous.children, [parentId]: rows } },
      );
    },
    [dimensionId],
  );

  /**
   * After a change: reloads the given parents' levels (null = the roots; deeper levels stay loaded, keyed
   * by their parent) and applies them in one update, so a moved department never shows in both places.
   */
  const reload = useCallback(
    async (parents: (string | null)[]) => {
      if (!dimensionId) return;
      const keys = [...new Set(parents.map((parent) => parent ?? ROOT))];
      const levels = await Promise.all(
        keys.map(async (key): Promise<[string, Department[]]> => {
          if (key !== ROOT) return [key, await listChildren(dimensionId, key)];
          const roots = await loadTree(dimensionId, 1);
          return [key, roots.map(({ children: _children, ...department }) => department)];
        }),
      );
      setState((previous) =>
        previous.dimensionId !== dimensionId
          ? previous
          : { ...previous, children: { ...previous.children, ...Object.fromEntries(levels) } },
      );
    },
    [dimensionId],
  );

  /** Starts over from the first two levels (the toolbar's refresh). */
  const refreshAll = useCallback(() => setGeneration((value) => value + 1), []);

  // A dimension switch shows the loading state at once, not the previous dimension's tree.
  const current = state.dimensionId === dimensionId ? state : empty(dimensionId ?? "");
  return { state: current, loadChildren, reload, refreshAll };
}

/** Finds a loaded department by id. */
export function findDepartment(state: TreeState, id: string): Department | undefined {
  for (const rows of Object.values(state.children)) {
    const found = rows.find((row) => row.id === id);
    if (found) return found;
  }
  return undefined;
}
