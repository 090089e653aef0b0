import { DeleteOutlined, EditOutlined } from "@ant-design/icons";
import { Button, Space } from "antd";
import type { ReactNode } from "react";

/**
 * The edit and delete icon buttons of a table row. Each is shown only when its handler is given, so a
 * caller without the permission passes none; `children` (other row actions) come first.
 */
export function RowEditDelete({
  onEdit,
  onDelete,
  editLabel,
  deleteLabel,
  editTestId,
  children,
}: {
  onEdit?: (() => void) | undefined;
  onDelete?: (() => void) | undefined;
  editLabel: string;
  deleteLabel: string;
  editTestId?: string;
  children?: ReactNode;
}) {
  return (
    <Space size={4}>
      {children}
      {onEdit && (
        <Button
          size="small"
          type="text"
          icon={<EditOutlined />}
          aria-label={editLabel}
          onClick={onEdit}
          data-testid={editTestId}
        />
      )}
      {onDelete && (
        <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={deleteLabel} onClick={onDelete} />
      )}
    </Space>
  );
}
