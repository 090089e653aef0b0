import { EditOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, App, Button, Card, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useErrorText } from "../../hooks/useErrorText";
import { type MembershipDraft, MembershipsEditor, draftOf, membershipProblem, toInputs } from "./MembershipsEditor";
import { useOrgDirectory } from "./orgDirectory";
import { type Membership, membershipInputs, setMemberships, type User } from "./userApi";

/** A user's departments, and the editor that replaces them all at once (PUT …/memberships with If-Match). */
export function MembershipsCard({
  user,
  canEdit,
  onSaved,
}: {
  user: User;
  canEdit: boolean;
  onSaved: (user: User) => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const directory = useOrgDirectory();
  const t = (key: string) => translate(`people.memberships.${key}`);
  const [drafts, setDrafts] = useState<MembershipDraft[] | null>(null);
  const save = useMutation({
    mutationFn: (next: MembershipDraft[]) => setMemberships(user, toInputs(next)),
    onSuccess: (saved) => {
      setDrafts(null);
      message.success(t("saved"));
      onSaved(saved);
    },
  });
  const dimensionName = (id: string) => directory.data?.dimensions.find((d) => d.id === id)?.name ?? "";

  return (
    <Card
      title={t("title")}
      data-testid="user-memberships"
      extra={
        canEdit &&
        user.status !== "deleted" &&
        (drafts ? (
          <Space>
            <Button onClick={() => setDrafts(null)}>{translate("people.form.cancel")}</Button>
            <Button
              type="primary"
              loading={save.isPending}
              disabled={membershipProblem(drafts) !== null}
              onClick={() => save.mutate(drafts)}
              data-testid="memberships-save"
            >
              {translate("people.form.save")}
            </Button>
          </Space>
        ) : (
          <Button
            icon={<EditOutlined />}
            onClick={() => {
              save.reset();
              setDrafts(membershipInputs(user.memberships).map(draftOf));
            }}
            data-testid="memberships-edit"
          >
            {t("edit")}
          </Button>
        ))
      }
    >
      {save.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message={translate("people.form.saveFailed")}
          description={errorText(save.error)}
        />
      )}
      {drafts ? (
        <MembershipsEditor value={drafts} onChange={setDrafts} />
      ) : (
        <Table<Membership>
          rowKey="departmentId"
          size="small"
          pagination={false}
          dataSource={user.memberships}
          locale={{ emptyText: t("none") }}
          columns={[
            {
              dataIndex: "departmentName",
              title: t("department"),
              render: (name: string, m) => (
                <Space>
                  {directory.data?.departments.get(m.departmentId)?.pathName ?? name}
                  {m.isPrimary && <Tag color="blue">{t("primary")}</Tag>}
                </Space>
              ),
            },
            { dataIndex: "dimensionId", title: t("dimension"), render: dimensionName },
            { dataIndex: "postName", title: t("post") },
            { dataIndex: "title", title: t("title_") },
            { dataIndex: "sortOrder", title: t("sortOrder"), width: 80 },
          ]}
        />
      )}
    </Card>
  );
}
