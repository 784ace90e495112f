'use client';

import { useState } from 'react';
import { SceneOptions } from '../jobs/scene-options';
import { useSceneList } from '../jobs/use-scene-list';

/** The /render form's scene select: built-in scenes and uploads from the coordinator, by reference. */
export function LocalSceneSelect({
  id,
  name,
  defaultValue,
}: {
  id: string;
  name: string;
  defaultValue: string;
}) {
  const { scenes } = useSceneList();
  const [value, setValue] = useState(defaultValue);
  return (
    <select id={id} name={name} value={value} onChange={(event) => setValue(event.target.value)}>
      <SceneOptions scenes={scenes} current={value} />
    </select>
  );
}
