/**
 * Zip archives through Python's zipfile: the interpreter moto runs in is already required, and
 * it spares the project an archive dependency. Entries are sorted and dated 1980-01-01, as
 * cdk-assets writes them, so one asset directory always gives the same bytes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const ZIP_SCRIPT = `
import os, sys, zipfile
args = sys.argv[1:]
for src, out in zip(args[0::2], args[1::2]):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                info = zipfile.ZipInfo(os.path.relpath(path, src), (1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as f:
                    z.writestr(info, f.read())
`;

const UNZIP_SCRIPT = `
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
`;

/** Zips the contents of each `dir` (not the directory itself) into its `out`, in one Python run. */
export async function zipDirectories(
  python: string,
  jobs: readonly { readonly dir: string; readonly out: string }[],
): Promise<void> {
  if (jobs.length === 0) return;
  await run(python, ['-c', ZIP_SCRIPT, ...jobs.flatMap((j) => [j.dir, j.out])]);
}

/** Extracts `zipFile` into `dir`. */
export async function unzip(python: string, zipFile: string, dir: string): Promise<void> {
  await run(python, ['-c', UNZIP_SCRIPT, zipFile, dir]);
}
