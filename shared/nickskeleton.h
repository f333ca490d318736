#pragma once
// Confusable skeletons for nicks, after the idea of Unicode TS #39: two nicks
// that a reader cannot tell apart get the same skeleton. The skeleton is the
// NFKC form (fullwidth and mathematical letters become plain ones), with the
// common Cyrillic and Greek look-alikes of Latin letters and a few Latin
// shapes (capital I, digit 0 and 1, "rn") mapped to one prototype, then case
// folded. The table is deliberately small: it covers the homoglyphs of the
// scripts a nick may mix up with Latin, not the whole confusables list.
// Also the script rule: a nick may not mix Latin with Cyrillic or Greek.

#include <QString>

namespace longline::protocol {

QString nickSkeleton(const QString &nick);

// True when the letters of `nick` come from one script, or from one of the
// combinations that are written together (Latin, Han, Hiragana, Katakana,
// Hangul, Bopomofo as in Japanese, Chinese and Korean text). Digits and
// '_', '-', '.' belong to every script.
bool isSingleScriptNick(const QString &nick);

} // namespace longline::protocol
