import { useTranslate } from "@refinedev/core";
import { Form, Input, InputNumber } from "antd";
import { CrudTable } from "../../components/org/CrudTable";
import type { Post } from "../../components/org/orgApi";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";

interface Values {
  code: string;
  name: string;
  sortOrder: number;
}

/** 岗位: the posts people hold in their departments (科员, 处长…). */
export function PostList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  return (
    <CrudTable<Post, Values>
      resource={resource}
      subject="Post"
      columns={[
        { dataIndex: "code", title: translate("org.fields.code"), sorter: true },
        { dataIndex: "name", title: translate("org.fields.name"), sorter: true },
        { dataIndex: "sortOrder", title: translate("org.fields.sortOrder"), sorter: true },
        {
          dataIndex: "updatedAt",
          title: translate("org.fields.updatedAt"),
          render: (value: string) => formatBeijingTime(value),
        },
      ]}
      initialValues={(editing) =>
        editing ? { code: editing.code, name: editing.name, sortOrder: editing.sortOrder } : { sortOrder: 0 }
      }
      toBody={(values) => ({ code: values.code.trim(), name: values.name.trim(), sortOrder: values.sortOrder ?? 0 })}
      formItems={() => (
        <>
          <Form.Item
            name="code"
            label={translate("org.fields.code")}
            rules={[
              { required: true, message: translate("org.validation.postCode") },
              { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, message: translate("org.validation.postCode") },
            ]}
          >
            <Input maxLength={63} data-testid="field-code" />
          </Form.Item>
          <Form.Item
            name="name"
            label={translate("org.fields.name")}
            rules={[{ required: true, whitespace: true, max: 100, message: translate("org.validation.name") }]}
          >
            <Input maxLength={100} data-testid="field-name" />
          </Form.Item>
          <Form.Item name="sortOrder" label={translate("org.fields.sortOrder")}>
            <InputNumber min={-1_000_000} max={1_000_000} precision={0} />
          </Form.Item>
        </>
      )}
    />
  );
}
