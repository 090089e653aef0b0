import type { TablePaginationConfig } from "antd";

/**
 * The list pages' pager: refine's page state (from useTable's tableProps) with the total shown in words and
 * the pager inset to line up with the table's cells inside a padding-free Card.
 */
export function withTotal(
  pagination: TablePaginationConfig | false | undefined,
  totalText: (total: number) => string,
): TablePaginationConfig | false | undefined {
  return pagination && { ...pagination, showTotal: totalText, style: { paddingInline: 16 } };
}
