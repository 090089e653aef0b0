import { Select, Spin } from "antd";
import { useRef, useState } from "react";
import { type OrgUser, searchUsers } from "./orgApi";

/**
 * Picks an account by name, username, pinyin or phone (the server's user search), a few characters at a time.
 * Only what the caller may see comes back: the server filters the list by its rules.
 */
export function UserPicker({
  value,
  onChange,
  placeholder,
  testId,
}: {
  value?: string;
  onChange?: (value: string | undefined) => void;
  placeholder?: string;
  testId?: string;
}) {
  const [options, setOptions] = useState<OrgUser[]>([]);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const search = (q: string) => {
    clearTimeout(timer.current);
    const trimmed = q.trim();
    if (!trimmed) return;
    // Debounced, and only the newest answer counts: typing fast must not show an older query's users.
    timer.current = setTimeout(() => {
      const ticket = ++latest.current;
      setLoading(true);
      searchUsers(trimmed.slice(0, 100))
        .then((users) => {
          if (ticket === latest.current) setOptions(users);
        })
        .catch(() => {
          if (ticket === latest.current) setOptions([]);
        })
        .finally(() => {
          if (ticket === latest.current) setLoading(false);
        });
    }, 250);
  };

  return (
    <Select<string>
      data-testid={testId}
      showSearch
      allowClear
      value={value}
      onChange={(next) => onChange?.(next)}
      placeholder={placeholder}
      filterOption={false}
      onSearch={search}
      notFoundContent={loading ? <Spin size="small" /> : null}
      options={options.map((user) => ({
        value: user.id,
        label: `${user.displayName} (${user.username})`,
      }))}
    />
  );
}
