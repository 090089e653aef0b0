import { TreeSelect } from "antd";
import { useEffect, useState } from "react";
import { type Department, listChildren, loadTree } from "./orgApi";

interface Option {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
  disabled?: boolean;
}

const toOption = (department: Department, excluded: Set<string>): Option => ({
  id: department.id,
  pId: department.parentId,
  value: department.id,
  title: department.name,
  isLeaf: department.childCount === 0,
  // A department cannot go under itself or under one of its own descendants.
  disabled: department.status === "merged" || department.path.some((id) => excluded.has(id)),
});

/**
 * Picks a department of one dimension, loading levels as they are opened (antd's simple-mode TreeSelect over
 * id/pId). `exclude` disables a subtree, e.g. the department being moved or merged.
 */
export function DepartmentPicker({
  dimensionId,
  value,
  onChange,
  exclude,
  placeholder,
  testId,
}: {
  dimensionId: string | undefined;
  value?: string;
  onChange?: (value: string | undefined) => void;
  exclude?: string;
  placeholder?: string;
  testId?: string;
}) {
  const [options, setOptions] = useState<{ dimensionId: string; rows: Option[] }>({ dimensionId: "", rows: [] });
  const excluded = new Set(exclude ? [exclude] : []);

  useEffect(() => {
    if (!dimensionId) return;
    let cancelled = false;
    void loadTree(dimensionId, 1).then((roots) => {
      if (!cancelled) setOptions({ dimensionId, rows: roots.map((root) => toOption(root, excluded)) });
    });
    return () => {
      cancelled = true;
    };
    // `excluded` is rebuilt every render from `exclude`, which is the real dependency.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dimensionId, exclude]);

  const rows = options.dimensionId === dimensionId ? options.rows : [];
  return (
    <TreeSelect<string>
      data-testid={testId}
      showSearch
      allowClear
      treeDataSimpleMode
      treeNodeFilterProp="title"
      value={value}
      onChange={(next) => onChange?.(next)}
      placeholder={placeholder}
      treeData={rows}
      loadData={async (node) => {
        const id = String(node.value);
        if (rows.some((row) => row.pId === id) || !dimensionId) return;
        const children = await listChildren(dimensionId, id);
        setOptions((previous) => ({
          ...previous,
          rows: [...previous.rows, ...children.map((child) => toOption(child, excluded))],
        }));
      }}
      style={{ width: "100%" }}
      popupMatchSelectWidth={false}
    />
  );
}
