// Strings of the footer's build line (site/offline.js).
export default {
  en: {
    "offline.stamp": "Digit Lab {version} · build {build}",
    "offline.works": "works offline",
    "offline.updated": "A new version of Digit Lab is ready; this tab keeps running build {build} until it reloads.",
    "offline.reload": "Reload to use the new version",
  },
  ja: {
    "offline.stamp": "Digit Lab {version} · ビルド {build}",
    "offline.works": "オフラインで動作",
    "offline.updated": "Digit Lab の新しい版があります。このタブは再読み込みするまでビルド {build} のまま動きます。",
    "offline.reload": "再読み込みして新しい版を使う",
  },
};
