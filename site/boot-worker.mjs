// Reads the Python snapshot for boot.mjs off the main thread: the memory image (unpacked from
// zstd or gzip unless the service worker keeps it inflated) and numpy's wheel, unzipped, in two
// messages: the image with the extension modules, then numpy's other files. Everything is
// transferred, not copied.
import { extensionModule, fetchBytes, runtimeFile, unzip } from "./unzip.mjs";

onmessage = async ({ data: { image, encoding, wheel } }) => {
  try {
    // Extension modules first: the snapshot needs them before it is restored, the rest after.
    const zip = fetchBytes(wheel);
    const libs = zip.then((w) => unzip(w, extensionModule));
    const bytes = await fetchBytes(image, encoding);
    const so = await libs;
    postMessage({ image: bytes, libs: so }, [bytes.buffer, ...buffers(so)]);
    const rest = await unzip(await zip, (name) => runtimeFile(name) && !extensionModule(name));
    postMessage({ rest }, buffers(rest));
  } catch (err) {
    postMessage({ error: String(err?.stack || err) });
  }
};

const buffers = (files) => [...files.values()].map((f) => f.buffer);
