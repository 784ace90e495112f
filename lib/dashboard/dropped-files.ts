/**
 * The files of a drop, folders included: a dropped folder arrives as one entry that has to be walked
 * (the File System Entry API; `dataTransfer.files` would list the folder itself as an empty file).
 * Files inside a folder are named by their path below it ("textures/wood.png"), which is how a .gltf
 * refers to them.
 */
import { isHiddenFile } from './scene-files';

/** Reads every file under the dropped items; hidden files (.DS_Store and the like) are left out. */
export async function filesFromDrop(data: DataTransfer): Promise<File[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  // Without the Entry API (or for a drop of plain files) the file list is all there is.
  if (entries.length === 0 || entries.some((entry) => entry === null)) return [...data.files];
  const files: File[] = [];
  for (const entry of entries as FileSystemEntry[]) {
    if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, '', files);
    else files.push(await fileOf(entry as FileSystemFileEntry));
  }
  return files.filter((file) => !isHiddenFile(file.name));
}

async function walk(directory: FileSystemDirectoryEntry, prefix: string, out: File[]): Promise<void> {
  for (const entry of await readAll(directory)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, `${path}/`, out);
    else {
      const file = await fileOf(entry as FileSystemFileEntry);
      out.push(path === file.name ? file : new File([file], path, { type: file.type }));
    }
  }
}

/** readEntries answers in batches (100 in Chromium) until it answers with none. */
async function readAll(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}
