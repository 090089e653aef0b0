import { useTranslate } from "@refinedev/core";
import { App, Form, Input, InputNumber, Select, Switch } from "antd";
import { FormDialog } from "../../components/FormDialog";
import { ACTIONS, type Dictionary, type SensitiveWord, type WordAction, wordsApi } from "./wordsApi";

interface WordValues {
  dictionaryId: string;
  word: string;
  level: number;
  action: WordAction;
  pinyin: boolean;
}

/** Add a word to a dictionary, or change one (its version goes in If-Match: a concurrent edit is 409). */
export function WordDialog({
  editing,
  dictionaries,
  defaultDictionaryId,
  onClose,
  onSaved,
}: {
  editing: SensitiveWord | "new" | undefined;
  dictionaries: Dictionary[];
  defaultDictionaryId: string | undefined;
  onClose: () => void;
  onSaved: () => Promise<void>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.words.${key}`, values);
  const { message } = App.useApp();
  const [form] = Form.useForm<WordValues>();
  const isNew = editing === "new";

  const save = async (values: WordValues) => {
    if (editing === "new") {
      await wordsApi.createWord({ ...values, word: values.word.trim() });
      message.success(t("created", { word: values.word.trim() }));
    } else if (editing) {
      const { dictionaryId: _unchanged, ...body } = values;
      await wordsApi.updateWord(editing, { ...body, word: body.word.trim() });
      message.success(t("saved"));
    }
    await onSaved();
  };

  const initial: Partial<WordValues> =
    editing && editing !== "new"
      ? {
          dictionaryId: editing.dictionaryId,
          word: editing.word,
          level: editing.level,
          action: editing.action,
          pinyin: editing.pinyin,
        }
      : {
          dictionaryId: defaultDictionaryId ?? dictionaries[0]?.id,
          word: "",
          level: 3,
          action: "block",
          pinyin: false,
        };

  return (
    <FormDialog<WordValues>
      open={editing !== undefined}
      onClose={onClose}
      onSubmit={save}
      form={form}
      title={t(isNew ? "addTitle" : "editTitle")}
      okText={translate("words.common.save")}
      cancelText={translate("words.common.cancel")}
      initialValues={initial}
      autoFocusField="word"
      okTestId="word-save"
    >
      <Form.Item name="dictionaryId" label={t("dictionary")} rules={[{ required: true }]}>
        <Select
          disabled={!isNew}
          options={dictionaries.map((d) => ({
            value: d.id,
            label: `${d.name} · ${translate(`words.categories.${d.category}`)}`,
          }))}
          data-testid="word-dictionary"
        />
      </Form.Item>
      <Form.Item
        name="word"
        label={t("word")}
        extra={t("wordHelp")}
        rules={[{ required: true, whitespace: true, max: 64, message: t("wordRequired") }]}
      >
        <Input data-testid="word-input" />
      </Form.Item>
      <Form.Item name="level" label={t("level")} extra={t("levelHelp")} rules={[{ required: true }]}>
        <InputNumber min={1} max={5} precision={0} style={{ width: "100%" }} />
      </Form.Item>
      <Form.Item name="action" label={t("action")} extra={t("actionHelp")} rules={[{ required: true }]}>
        <Select
          options={ACTIONS.map((a) => ({ value: a, label: translate(`words.actions.${a}`) }))}
          data-testid="word-action"
        />
      </Form.Item>
      <Form.Item name="pinyin" label={t("pinyin")} valuePropName="checked" extra={t("pinyinHelp")}>
        <Switch />
      </Form.Item>
    </FormDialog>
  );
}
