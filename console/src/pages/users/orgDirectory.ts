import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../api/http";

/** The organisation as the user pages need it: dimensions, their department trees, posts. */

interface Dimension {
  id: string;
  code: string;
  name: string;
}

interface DepartmentNode {
  id: string;
  dimensionId: string;
  name: string;
  status: "active" | "disabled" | "merged";
  children?: DepartmentNode[];
}

export interface Post {
  id: string;
  code: string;
  name: string;
}

/** antd TreeSelect's node shape. */
export interface TreeOption {
  value: string;
  title: string;
  selectable?: boolean;
  disabled?: boolean;
  children?: TreeOption[];
}

export interface DepartmentInfo {
  id: string;
  name: string;
  dimensionId: string;
  /** "总部 / 办公室": the names from the root down. */
  pathName: string;
}

export interface OrgDirectory {
  dimensions: Dimension[];
  /** Dimensions as unselectable roots, departments under them; merged departments are left out. */
  tree: TreeOption[];
  departments: Map<string, DepartmentInfo>;
  posts: Post[];
}

const PAGE = new URLSearchParams({ _start: "0", _end: "200" });

async function loadDirectory(): Promise<OrgDirectory> {
  const [{ data: dimensions }, posts] = await Promise.all([
    apiRequest<Dimension[]>("/dimensions", { query: PAGE }),
    apiRequest<Post[]>("/posts", { query: PAGE }).then(
      (r) => r.data,
      // A scoped admin may see dimensions but no posts; the editor then offers no post.
      () => [] as Post[],
    ),
  ]);
  const trees = await Promise.all(
    dimensions.map(
      async (dimension) =>
        (
          await apiRequest<DepartmentNode[]>("/departments/tree", {
            query: new URLSearchParams({ dimensionId: dimension.id }),
          })
        ).data,
    ),
  );
  const departments = new Map<string, DepartmentInfo>();
  const toOption = (node: DepartmentNode, parents: string[]): TreeOption | null => {
    if (node.status === "merged") return null;
    const names = [...parents, node.name];
    departments.set(node.id, {
      id: node.id,
      name: node.name,
      dimensionId: node.dimensionId,
      pathName: names.join(" / "),
    });
    const children = (node.children ?? []).flatMap((child) => toOption(child, names) ?? []);
    return {
      value: node.id,
      title: node.name,
      disabled: node.status === "disabled",
      ...(children.length > 0 ? { children } : {}),
    };
  };
  const tree = dimensions.map((dimension, index) => ({
    value: `dimension:${dimension.id}`,
    title: dimension.name,
    selectable: false,
    children: (trees[index] ?? []).flatMap((node) => toOption(node, []) ?? []),
  }));
  return { dimensions, tree, departments, posts };
}

/** Loaded once per page visit and shared by the filter and the membership editor. */
export function useOrgDirectory() {
  return useQuery({ queryKey: ["data", "org-directory"], queryFn: loadDirectory, staleTime: 60_000 });
}
