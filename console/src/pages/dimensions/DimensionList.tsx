import { useTranslate } from "@refinedev/core";
import { Form, Input, InputNumber, Select, Tag } from "antd";
import { CrudTable } from "../../components/org/CrudTable";
import { type Dimension, DIMENSION_KINDS, type DimensionKind } from "../../components/org/orgApi";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";

interface Values {
  code: string;
  name: string;
  kind: DimensionKind;
  sortOrder: number;
}

/** 组织维度: the trees of a tenant (administrative, party, project, virtual…). */
export function DimensionList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  return (
    <CrudTable<Dimension, Values>
      resource={resource}
      subject="Dimension"
      columns={[
        { dataIndex: "code", title: translate("org.fields.code"), sorter: true },
        { dataIndex: "name", title: translate("org.fields.name"), sorter: true },
        {
          dataIndex: "kind",
          title: translate("org.fields.kind"),
          render: (kind: DimensionKind) => <Tag>{translate(`org.dimensionKinds.${kind}`)}</Tag>,
        },
        { dataIndex: "sortOrder", title: translate("org.fields.sortOrder"), sorter: true },
        {
          dataIndex: "updatedAt",
          title: translate("org.fields.updatedAt"),
          render: (value: string) => formatBeijingTime(value),
        },
      ]}
      initialValues={(editing) =>
        editing
          ? { code: editing.code, name: editing.name, kind: editing.kind, sortOrder: editing.sortOrder }
          : { kind: "administrative", sortOrder: 0 }
      }
      toBody={(values, editing) => ({
        // The code is the dimension's stable key for business systems: fixed once created.
        ...(editing ? {} : { code: values.code.trim() }),
        name: values.name.trim(),
        kind: values.kind,
        sortOrder: values.sortOrder ?? 0,
      })}
      formItems={(editing) => (
        <>
          <Form.Item
            name="code"
            label={translate("org.fields.code")}
            extra={translate("org.tenants.codeHint")}
            rules={[
              { required: true, message: translate("org.validation.code") },
              { pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/, message: translate("org.validation.code") },
            ]}
          >
            <Input maxLength={63} disabled={Boolean(editing)} data-testid="field-code" />
          </Form.Item>
          <Form.Item
            name="name"
            label={translate("org.fields.name")}
            rules={[{ required: true, whitespace: true, max: 100, message: translate("org.validation.name") }]}
          >
            <Input maxLength={100} data-testid="field-name" />
          </Form.Item>
          <Form.Item name="kind" label={translate("org.fields.kind")} rules={[{ required: true }]}>
            <Select
              options={DIMENSION_KINDS.map((kind) => ({ value: kind, label: translate(`org.dimensionKinds.${kind}`) }))}
            />
          </Form.Item>
          <Form.Item name="sortOrder" label={translate("org.fields.sortOrder")}>
            <InputNumber min={-1_000_000} max={1_000_000} precision={0} />
          </Form.Item>
        </>
      )}
    />
  );
}
