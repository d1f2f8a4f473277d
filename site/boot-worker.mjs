// Reads the Python snapshot for boot.mjs off the main thread: the memory image, gunzipped, and
// numpy's wheel, unzipped. Everything is transferred back, not copied.
import { fetchBytes, unzip } from "./unzip.mjs";

onmessage = async ({ data: { image, wheel } }) => {
  try {
    const [bytes, files] = await Promise.all([fetchBytes(image, true), fetchBytes(wheel).then(unzip)]);
    postMessage({ image: bytes, files }, [bytes.buffer, ...[...files.values()].map((f) => f.buffer)]);
  } catch (err) {
    postMessage({ error: String(err?.stack || err) });
  }
};
