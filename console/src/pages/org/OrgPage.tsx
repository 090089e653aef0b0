import { PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Col, Descriptions, Empty, Row, Select, Space, Tag } from "antd";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { PageContainer } from "../../components/PageContainer";
import { DepartmentDialog, type DialogState } from "../../components/org/DepartmentDialog";
import { DepartmentSearch } from "../../components/org/DepartmentSearch";
import { DepartmentTree } from "../../components/org/DepartmentTree";
import { MembersTable } from "../../components/org/MembersTable";
import { type Department, listDimensions } from "../../components/org/orgApi";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { findDepartment, ROOT, useDepartmentTree } from "../../components/org/useDepartmentTree";
import { useOrgChange } from "../../components/org/useOrgChange";
import { useErrorText } from "../../hooks/useErrorText";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";

/**
 * 组织架构: pick a dimension, browse and change its department tree, see the selected department's people.
 * The dimension is kept in the address (?dimension=) so a link opens the same tree.
 */
export function OrgPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const can = useCan();
  const [search, setSearch] = useSearchParams();
  const dimensions = useQuery({ queryKey: ["org", "dimensions"], queryFn: listDimensions });
  const dimensionId = search.get("dimension") ?? dimensions.data?.[0]?.id;
  const { state, loadChildren, reload, refreshAll } = useDepartmentTree(dimensionId);
  const { run, error, clearError } = useOrgChange(reload);
  const [expanded, setExpanded] = useState<{ dimensionId?: string; keys: string[] }>({ keys: [] });
  const [selected, setSelected] = useState<Department | undefined>();
  const [dialog, setDialog] = useState<DialogState | undefined>();

  // Until the user expands or collapses anything, the top level is open.
  const expandedKeys =
    expanded.dimensionId === dimensionId ? expanded.keys : (state.children[ROOT] ?? []).map((root) => root.id);
  const setExpandedKeys = (keys: string[]) => setExpanded({ dimensionId, keys });
  // The tree's copy is the fresh one after a change; the search result is used until the tree has it.
  const current =
    selected && selected.dimensionId === dimensionId ? (findDepartment(state, selected.id) ?? selected) : undefined;

  const reveal = async (department: Department) => {
    const ancestors = department.path.slice(0, -1);
    for (const id of ancestors) if (!state.children[id]) await loadChildren(id).catch(() => undefined);
    setExpanded({ dimensionId, keys: [...new Set([...expandedKeys, ...ancestors])] });
    setSelected(department);
  };

  const switchDimension = (id: string) => {
    setSelected(undefined);
    clearError();
    setSearch({ dimension: id });
  };

  return (
    <PageContainer
      resource={resource}
      extra={
        <Space>
          {dimensionId && can("create", "OrgUnit") && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setDialog({ action: "create-root" })}
              data-testid="dept-create-root"
            >
              {translate("org.tree.createRoot")}
            </Button>
          )}
          <Button icon={<ReloadOutlined />} onClick={refreshAll} disabled={!dimensionId}>
            {translate("org.common.refresh")}
          </Button>
        </Space>
      }
    >
      {dimensions.error && <Alert type="error" showIcon message={errorText(dimensions.error)} />}
      {dimensions.data && dimensions.data.length === 0 && (
        <Card>
          <Empty description={translate("org.tree.noDimension")} />
        </Card>
      )}
      {dimensionId && (
        <Row gutter={16}>
          <Col xs={24} lg={10} xl={9}>
            <Card
              title={
                <Space>
                  <span>{translate("org.tree.dimension")}</span>
                  <Select
                    value={dimensionId}
                    onChange={switchDimension}
                    style={{ minWidth: 180 }}
                    data-testid="dimension-switch"
                    options={(dimensions.data ?? []).map((dimension) => ({
                      value: dimension.id,
                      label: `${dimension.name} · ${translate(`org.dimensionKinds.${dimension.kind}`)}`,
                    }))}
                  />
                </Space>
              }
              styles={{ body: { paddingTop: 12 } }}
            >
              <ProblemAlert error={dialog ? undefined : error} onClose={clearError} testId="org-error" />
              {state.error !== undefined && <Alert type="error" showIcon message={errorText(state.error)} />}
              <DepartmentSearch dimensionId={dimensionId} onPick={reveal} />
              <DepartmentTree
                state={state}
                expandedKeys={expandedKeys}
                onExpand={setExpandedKeys}
                selectedId={current?.id}
                onSelect={setSelected}
                loadChildren={loadChildren}
                run={run}
                onAction={(action, department) => {
                  clearError();
                  setDialog({ action, department });
                }}
              />
            </Card>
          </Col>
          <Col xs={24} lg={14} xl={15}>
            <Card title={current?.name ?? translate("org.detail.title")} data-testid="dept-detail">
              {current ? (
                <>
                  <Descriptions size="small" column={{ xs: 1, md: 2 }} style={{ marginBottom: 16 }}>
                    <Descriptions.Item label={translate("org.fields.code")}>{current.code ?? "—"}</Descriptions.Item>
                    <Descriptions.Item label={translate("org.fields.status")}>
                      <Tag color={current.status === "active" ? "green" : "default"}>
                        {translate(`org.departmentStatus.${current.status}`)}
                      </Tag>
                    </Descriptions.Item>
                    <Descriptions.Item label={translate("org.fields.childCount")}>
                      {current.childCount}
                    </Descriptions.Item>
                    <Descriptions.Item label={translate("org.fields.memberCount")}>
                      {current.memberCount}
                    </Descriptions.Item>
                    <Descriptions.Item label={translate("org.fields.version")}>{current.version}</Descriptions.Item>
                    <Descriptions.Item label={translate("org.fields.updatedAt")}>
                      {formatBeijingTime(current.updatedAt)}
                    </Descriptions.Item>
                  </Descriptions>
                  <MembersTable key={current.id} department={current} />
                </>
              ) : (
                <Empty description={translate("org.detail.pick")} />
              )}
            </Card>
          </Col>
        </Row>
      )}
      {dialog && dimensionId && (
        <DepartmentDialog
          dialog={dialog}
          dimensionId={dimensionId}
          run={run}
          error={error}
          onClose={() => {
            setDialog(undefined);
            clearError();
          }}
          onCreated={(parentId) => {
            if (parentId && !expandedKeys.includes(parentId)) setExpandedKeys([...expandedKeys, parentId]);
          }}
        />
      )}
    </PageContainer>
  );
}
