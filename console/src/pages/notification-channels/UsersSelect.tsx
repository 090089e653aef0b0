import { Select } from "antd";
import { useRef, useState } from "react";
import { type OrgUser, searchUsers } from "../../components/org/orgApi";

/**
 * Several accounts picked by search (the server's user search, debounced, newest answer wins). Ids already
 * chosen whose names this page has not loaded show as their id's first characters.
 */
export function UsersSelect({
  value,
  onChange,
  testId,
}: {
  value?: string[];
  onChange?: (value: string[]) => void;
  testId?: string;
}) {
  const [options, setOptions] = useState<OrgUser[]>([]);
  const [known, setKnown] = useState<Map<string, string>>(new Map());
  const latest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const search = (q: string) => {
    clearTimeout(timer.current);
    const trimmed = q.trim();
    if (!trimmed) return;
    timer.current = setTimeout(() => {
      const ticket = ++latest.current;
      searchUsers(trimmed.slice(0, 100))
        .then((users) => {
          if (ticket !== latest.current) return;
          setOptions(users);
          setKnown((before) => new Map([...before, ...users.map((u) => [u.id, label(u)] as const)]));
        })
        .catch(() => {
          if (ticket === latest.current) setOptions([]);
        });
    }, 250);
  };
  const chosen = (value ?? []).filter((id) => !options.some((u) => u.id === id));
  return (
    <Select
      mode="multiple"
      showSearch
      filterOption={false}
      maxCount={100}
      value={value}
      onChange={onChange}
      onSearch={search}
      data-testid={testId}
      options={[
        ...chosen.map((id) => ({ value: id, label: known.get(id) ?? id.slice(0, 8) })),
        ...options.map((u) => ({ value: u.id, label: label(u) })),
      ]}
    />
  );
}

function label(u: OrgUser): string {
  return u.displayName ? `${u.displayName} (${u.username})` : u.username;
}
