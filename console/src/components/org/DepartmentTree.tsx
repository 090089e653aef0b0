import { buttonTestId } from "./testIds";
import { MoreOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { App, Button, Dropdown, Empty, type MenuProps, Spin, Tag, Tree, type TreeProps, Typography } from "antd";
import type { DataNode } from "antd/es/tree";
import type { Key } from "react";
import type { Department } from "./orgApi";
import { departmentOps } from "./orgApi";
import { type RunChange } from "./useOrgChange";
import { useCan } from "./useCan";
import { findDepartment, ROOT, type TreeState } from "./useDepartmentTree";

export type DepartmentAction = "create-child" | "rename" | "move" | "merge";

interface Props {
  state: TreeState;
  expandedKeys: string[];
  onExpand: (keys: string[]) => void;
  selectedId: string | undefined;
  onSelect: (department: Department | undefined) => void;
  loadChildren: (parentId: string) => Promise<void>;
  run: RunChange;
  onAction: (action: DepartmentAction, department: Department) => void;
  /** Rows of the tree's scroll window; antd virtualises past it, so huge levels stay fast. */
  height?: number;
}

/** The parent of a department's parent (null at the top), from its path. */
const grandparent = (department: Department): string | null => department.path.at(-3) ?? null;

/** Where a drop puts the dragged department: its new parent and index among the new siblings. */
export function dropTarget(
  state: TreeState,
  dragged: Department,
  target: Department,
  intoTarget: boolean,
  before: boolean,
): { parentId: string | null; index: number | undefined; siblings: Department[] } {
  if (intoTarget) return { parentId: target.id, index: undefined, siblings: state.children[target.id] ?? [] };
  const siblings = (state.children[target.parentId ?? ROOT] ?? []).filter((row) => row.id !== dragged.id);
  const at = siblings.findIndex((row) => row.id === target.id);
  return { parentId: target.parentId, index: at + (before ? 0 : 1), siblings };
}

/**
 * The department tree of one dimension: lazy levels, drag to move or reorder (after a confirmation), and a
 * menu of actions per node offered from the caller's rules. The server decides every change; its refusals
 * (a cycle, a stale version, a non-empty department) come back through `run` and are shown by the page.
 */
export function DepartmentTree({
  state,
  expandedKeys,
  onExpand,
  selectedId,
  onSelect,
  loadChildren,
  run,
  onAction,
  height = 560,
}: Props) {
  const translate = useTranslate();
  const { modal } = App.useApp();
  const can = useCan();

  const menuFor = (department: Department): MenuProps["items"] => {
    const canUpdate = can("update", "OrgUnit", department);
    const siblings = state.children[department.parentId ?? ROOT] ?? [];
    const index = siblings.findIndex((row) => row.id === department.id);
    const live = department.status !== "merged";
    const items: MenuProps["items"] = [];
    if (can("create", "OrgUnit", department) && live) {
      items.push({ key: "create-child", label: translate("org.tree.actions.createChild") });
    }
    if (canUpdate && live) {
      items.push(
        { key: "rename", label: translate("org.tree.actions.rename") },
        { key: "move", label: translate("org.tree.actions.moveTo") },
        { key: "up", label: translate("org.tree.actions.moveUp"), disabled: index <= 0 },
        {
          key: "down",
          label: translate("org.tree.actions.moveDown"),
          disabled: index < 0 || index >= siblings.length - 1,
        },
        { key: "merge", label: translate("org.tree.actions.merge") },
        department.status === "active"
          ? { key: "disable", label: translate("org.tree.actions.disable") }
          : { key: "enable", label: translate("org.tree.actions.enable") },
      );
    }
    if (can("delete", "OrgUnit", department)) {
      items.push({ type: "divider" }, { key: "delete", label: translate("org.tree.actions.delete"), danger: true });
    }
    return items;
  };

  const reorder = (department: Department, delta: number) => {
    const siblings = state.children[department.parentId ?? ROOT] ?? [];
    const ids = siblings.map((row) => row.id);
    const from = ids.indexOf(department.id);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= ids.length) return;
    ids.splice(from, 1);
    ids.splice(to, 0, department.id);
    void run(() => departmentOps.reorder(department.dimensionId, department.parentId, ids), {
      success: translate("org.tree.reordered"),
      reload: [department.parentId],
    });
  };

  const onMenu = (department: Department, key: string) => {
    const name = department.name;
    switch (key) {
      case "create-child":
      case "rename":
      case "merge":
        onAction(key, department);
        return;
      case "move":
        onAction("move", department);
        return;
      case "up":
        reorder(department, -1);
        return;
      case "down":
        reorder(department, 1);
        return;
      case "disable":
      case "enable":
        modal.confirm({
          title: translate(`org.tree.confirm.${key}`, { name }),
          content: key === "disable" ? translate("org.tree.confirm.disableHint") : undefined,
          okButtonProps: buttonTestId("confirm-ok"),
          onOk: () =>
            run(() => departmentOps.setEnabled(department, key === "enable"), {
              success: translate(`org.tree.done.${key}`, { name }),
              reload: [department.parentId],
            }),
        });
        return;
      case "delete":
        modal.confirm({
          title: translate("org.tree.confirm.delete", { name }),
          content: translate("org.tree.confirm.deleteHint"),
          okType: "danger",
          okButtonProps: buttonTestId("confirm-ok"),
          onOk: async () => {
            const ok = await run(() => departmentOps.remove(department), {
              success: translate("org.tree.done.delete", { name }),
              reload: [department.parentId],
            });
            if (ok && selectedId === department.id) onSelect(undefined);
          },
        });
        return;
    }
  };

  const title = (department: Department) => (
    <span
      data-testid="dept-node"
      data-name={department.name}
      data-id={department.id}
      data-status={department.status}
      style={{ display: "inline-flex", alignItems: "center", gap: 6 }}
    >
      <span style={{ opacity: department.status === "active" ? 1 : 0.55 }}>{department.name}</span>
      {department.status !== "active" && (
        <Tag color={department.status === "disabled" ? "default" : "purple"} style={{ marginInlineEnd: 0 }}>
          {translate(`org.departmentStatus.${department.status}`)}
        </Tag>
      )}
      {department.memberCount > 0 && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {department.memberCount}
        </Typography.Text>
      )}
      <Dropdown
        trigger={["click"]}
        menu={{
          items: menuFor(department),
          onClick: ({ key, domEvent }) => {
            domEvent.stopPropagation();
            onMenu(department, key);
          },
        }}
      >
        <Button
          size="small"
          type="text"
          icon={<MoreOutlined />}
          aria-label={translate("org.tree.actions.more")}
          data-testid="dept-actions"
          onClick={(event) => event.stopPropagation()}
        />
      </Dropdown>
    </span>
  );

  const build = (parent: string): DataNode[] =>
    (state.children[parent] ?? []).map((department) => {
      const loaded = state.children[department.id];
      return {
        key: department.id,
        title: title(department),
        isLeaf: department.childCount === 0 && (!loaded || loaded.length === 0),
        children: loaded ? build(department.id) : undefined,
      };
    });

  const onDrop: TreeProps["onDrop"] = (info) => {
    const dragged = findDepartment(state, String(info.dragNode.key));
    const target = findDepartment(state, String(info.node.key));
    if (!dragged || !target) return;
    const pos = info.node.pos.split("-");
    const before = info.dropPosition - Number(pos[pos.length - 1]) === -1;
    const { parentId, index, siblings } = dropTarget(state, dragged, target, !info.dropToGap, before);
    const parentName = parentId === null ? translate("org.tree.topLevel") : findDepartment(state, parentId)?.name;
    const sameParent = parentId === dragged.parentId;
    // Within one level the order is rewritten; anything else is a move (its subtree follows).
    const isReorder = sameParent && index !== undefined;
    modal.confirm({
      title: translate(isReorder ? "org.tree.confirm.reorder" : "org.tree.confirm.move", {
        name: dragged.name,
        parent: parentName ?? "",
      }),
      content: isReorder ? undefined : translate("org.tree.confirm.moveHint"),
      okButtonProps: buttonTestId("confirm-ok"),
      onOk: async () => {
        if (isReorder) {
          const ids = siblings.map((row) => row.id);
          ids.splice(index, 0, dragged.id);
          await run(() => departmentOps.reorder(dragged.dimensionId, parentId, ids), {
            success: translate("org.tree.reordered"),
            reload: [parentId],
          });
          return;
        }
        const ok = await run(() => departmentOps.move(dragged, parentId, index), {
          success: translate("org.tree.done.move", { name: dragged.name, parent: parentName ?? "" }),
          // The old level loses it, the new one gains it, and the levels above show the new child counts.
          reload: [
            dragged.parentId,
            parentId,
            grandparent(dragged),
            parentId === target.id ? target.parentId : grandparent(target),
          ],
          // A refusal (a cycle, a stale version) means this tree is out of date: reload every loaded level.
          reloadOnError: Object.keys(state.children).map((key) => (key === ROOT ? null : key)),
        });
        if (ok && parentId !== null && !expandedKeys.includes(parentId)) onExpand([...expandedKeys, parentId]);
      },
    });
  };

  if (state.loading) return <Spin style={{ display: "block", margin: "48px auto" }} />;
  const data = build(ROOT);
  if (data.length === 0) return <Empty description={translate("org.tree.empty")} />;

  return (
    <Tree
      data-testid="dept-tree"
      blockNode
      showLine
      height={height}
      treeData={data}
      expandedKeys={expandedKeys}
      onExpand={(keys: Key[]) => onExpand(keys.map(String))}
      loadedKeys={Object.keys(state.children).filter((key) => key !== ROOT)}
      loadData={async (node) => {
        if (!state.children[String(node.key)]) await loadChildren(String(node.key));
      }}
      selectedKeys={selectedId ? [selectedId] : []}
      onSelect={(keys) => onSelect(keys[0] === undefined ? undefined : findDepartment(state, String(keys[0])))}
      draggable={{
        icon: false,
        nodeDraggable: (node) => {
          const department = findDepartment(state, String(node.key));
          return Boolean(department && department.status !== "merged" && can("update", "OrgUnit", department));
        },
      }}
      onDrop={onDrop}
    />
  );
}
