import { SearchOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Button, Checkbox, Form, Input, Select, TreeSelect } from "antd";
import { useOrgDirectory } from "./orgDirectory";
import { USER_STATUSES } from "./userApi";

export interface UserFilterValues {
  q?: string;
  phone?: string;
  status?: string;
  departmentId?: string;
  includeSubDepartments?: boolean;
}

/** The search bar: one box for name / pinyin / initials / employee no. / username, exact phone, status, department. */
export function UserFilters({ onSearch }: { onSearch: (values: UserFilterValues) => void }) {
  const translate = useTranslate();
  const directory = useOrgDirectory();
  const t = (key: string) => translate(`people.list.${key}`);
  return (
    <Form<UserFilterValues>
      layout="inline"
      onFinish={onSearch}
      initialValues={{ includeSubDepartments: true }}
      style={{ rowGap: 8, marginBottom: 16 }}
      data-testid="user-filters"
    >
      <Form.Item name="q">
        <Input
          allowClear
          prefix={<SearchOutlined />}
          placeholder={t("search")}
          maxLength={64}
          style={{ width: 300 }}
          data-testid="user-search"
        />
      </Form.Item>
      <Form.Item name="phone">
        <Input allowClear placeholder={t("phoneSearch")} maxLength={32} style={{ width: 160 }} inputMode="tel" />
      </Form.Item>
      <Form.Item name="status">
        <Select
          allowClear
          placeholder={t("statusAll")}
          style={{ width: 120 }}
          options={USER_STATUSES.map((s) => ({ value: s, label: translate(`people.status.${s}`) }))}
        />
      </Form.Item>
      <Form.Item name="departmentId">
        <TreeSelect
          allowClear
          showSearch
          treeNodeFilterProp="title"
          placeholder={t("departmentAll")}
          style={{ width: 220 }}
          popupMatchSelectWidth={320}
          treeData={directory.data?.tree}
          loading={directory.isLoading}
        />
      </Form.Item>
      <Form.Item name="includeSubDepartments" valuePropName="checked">
        <Checkbox>{t("includeSub")}</Checkbox>
      </Form.Item>
      <Form.Item>
        <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="user-search-submit">
          {t("searchButton")}
        </Button>
      </Form.Item>
    </Form>
  );
}
