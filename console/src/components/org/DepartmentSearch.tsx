import { useTranslate } from "@refinedev/core";
import { Input, List, Tag, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../hooks/useErrorText";
import { type Department, searchDepartments } from "./orgApi";

/**
 * Finds departments of the dimension by name, full pinyin or initials (the server matches all three, e.g.
 * "cwc" or "caiwu" for 财务处) and reveals the chosen one in the tree.
 */
export function DepartmentSearch({
  dimensionId,
  onPick,
}: {
  dimensionId: string;
  onPick: (department: Department) => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const [results, setResults] = useState<Department[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);

  const search = async (q: string) => {
    const trimmed = q.trim();
    setError(undefined);
    if (!trimmed) {
      setResults(undefined);
      return;
    }
    setLoading(true);
    try {
      setResults(await searchDepartments(dimensionId, trimmed.slice(0, 100)));
    } catch (caught) {
      setError(caught);
      setResults(undefined);
    } finally {
      setLoading(false);
    }
  };

  return (
    <div style={{ marginBottom: 12 }}>
      <Input.Search
        allowClear
        maxLength={100}
        placeholder={translate("org.search.placeholder")}
        onSearch={search}
        loading={loading}
        data-testid="dept-search"
      />
      {error !== undefined && <Typography.Text type="danger">{errorText(error)}</Typography.Text>}
      {results && (
        <List
          size="small"
          bordered
          style={{ marginTop: 8, maxHeight: 240, overflow: "auto" }}
          locale={{ emptyText: translate("org.search.none") }}
          dataSource={results}
          data-testid="dept-search-results"
          renderItem={(department) => (
            <List.Item
              style={{ cursor: "pointer" }}
              onClick={() => {
                onPick(department);
                setResults(undefined);
              }}
              data-testid="dept-search-result"
            >
              <span>
                {department.name}
                {department.code && (
                  <Typography.Text type="secondary" style={{ marginInlineStart: 8 }}>
                    {department.code}
                  </Typography.Text>
                )}
              </span>
              {department.status !== "active" && <Tag>{translate(`org.departmentStatus.${department.status}`)}</Tag>}
            </List.Item>
          )}
        />
      )}
    </div>
  );
}
