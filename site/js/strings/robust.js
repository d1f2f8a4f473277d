// Strings of the fault states (issue #8): a damaged model file, a start-up that failed.
export default {
  en: {
    "robust.retry": "Retry",
    "robust.faults.title": "Some model files are damaged; those models are switched off, the others work.",
    "robust.fault": "{model} is switched off: {message}",
    "robust.fallback": "Using {model} instead.",
    "robust.unavailable": "{model}: its files are damaged",
    "robust.instrument.title": "A part of the page failed in Python; the rest keeps working.",
    "robust.instrument": "{name}: {message}",
    "robust.dismiss": "Dismiss",
  },
  ja: {
    "robust.retry": "再読み込み",
    "robust.faults.title": "壊れたモデルファイルがあります。そのモデルは使えませんが、ほかのモデルは使えます。",
    "robust.fault": "{model} は使えません: {message}",
    "robust.fallback": "代わりに {model} を使います。",
    "robust.unavailable": "{model}: ファイルが壊れています",
    "robust.instrument.title": "ページの一部が Python でエラーになりました。ほかの部分はそのまま使えます。",
    "robust.instrument": "{name}: {message}",
    "robust.dismiss": "閉じる",
  },
};
