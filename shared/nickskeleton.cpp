#include "nickskeleton.h"

#include <QHash>
#include <algorithm>
#include <initializer_list>

namespace longline::protocol {

namespace {

// Code point -> the lower-case Latin letter it is mistaken for. Upper-case
// forms are listed where their case folding would lose the likeness (Cyrillic
// "В" folds to "в", which no longer looks like "b").
const QHash<char32_t, char32_t> &prototypes()
{
    static const QHash<char32_t, char32_t> table = [] {
        QHash<char32_t, char32_t> t;
        auto add = [&t](char32_t latin, std::initializer_list<char32_t> lookAlikes) {
            for (const char32_t c : lookAlikes)
                t.insert(c, latin);
        };
        // Latin shapes that read alike in common fonts.
        add(U'l', {U'I', U'1', U'\u0399', U'\u0406', U'\u04C0', U'\u04CF', U'\u0196'});
        add(U'o', {U'0', U'\u03BF', U'\u039F', U'\u043E', U'\u041E', U'\u03C3', U'\u0585'});
        add(U'i', {U'\u0131', U'\u03B9', U'\u0456', U'\u0269'});
        // Cyrillic and Greek homoglyphs of Latin letters.
        add(U'a', {U'\u0430', U'\u0410', U'\u03B1', U'\u0391', U'\u0251'});
        add(U'b', {U'\u0412', U'\u0392', U'\u042C', U'\u0184'});
        add(U'c', {U'\u0441', U'\u0421', U'\u03F2', U'\u03F9'});
        add(U'd', {U'\u0501'});
        add(U'e', {U'\u0435', U'\u0415', U'\u0395', U'\u0454'});
        add(U'g', {U'\u0261', U'\u050D'});
        add(U'h', {U'\u04BB', U'\u041D', U'\u0397'});
        add(U'j', {U'\u0458', U'\u0408', U'\u03F3', U'\u037F'});
        add(U'k', {U'\u041A', U'\u039A', U'\u03BA', U'\u043A'});
        add(U'm', {U'\u041C', U'\u039C'});
        add(U'n', {U'\u039D'});
        add(U'p', {U'\u0440', U'\u0420', U'\u03C1', U'\u03A1'});
        add(U'q', {U'\u051B', U'\u051A'});
        add(U's', {U'\u0455', U'\u0405'});
        add(U't', {U'\u0422', U'\u03A4'});
        add(U'u', {U'\u03C5', U'\u057D'});
        add(U'v', {U'\u03BD', U'\u0474', U'\u0475'});
        add(U'w', {U'\u051D', U'\u051C', U'\u0461'});
        add(U'x', {U'\u0445', U'\u0425', U'\u03C7', U'\u03A7'});
        add(U'y', {U'\u0443', U'\u0423', U'\u04AF', U'\u04AE', U'\u03B3', U'\u03A5'});
        add(U'z', {U'\u0396'});
        return t;
    }();
    return table;
}

QString mapped(const QString &s)
{
    const QHash<char32_t, char32_t> &table = prototypes();
    QString out;
    out.reserve(s.size());
    for (const char32_t cp : s.toUcs4()) {
        const char32_t to = table.value(cp, cp);
        out.append(QString::fromUcs4(&to, 1));
    }
    return out;
}

} // namespace

QString nickSkeleton(const QString &nick)
{
    // Decomposed, so a mapped base letter keeps its accent: Cyrillic "ё"
    // and Latin "ë" end up alike.
    QString s = mapped(nick.normalized(QString::NormalizationForm_KD));
    // Mapped again after folding: an upper-case look-alike not in the
    // table may fold to a lower-case one that is.
    s = mapped(s.toCaseFolded());
    s.replace(QLatin1String("rn"), QLatin1String("m"));
    s.replace(QLatin1String("vv"), QLatin1String("w"));
    return s.normalized(QString::NormalizationForm_C);
}

bool isSingleScriptNick(const QString &nick)
{
    QList<QChar::Script> scripts;
    for (const char32_t cp : nick.toUcs4()) {
        const QChar::Script script = QChar::script(cp);
        if (script == QChar::Script_Common || script == QChar::Script_Inherited ||
            scripts.contains(script))
            continue;
        scripts.append(script);
    }
    if (scripts.size() <= 1)
        return true;
    // The mixtures of UTS #39's "highly restrictive" level.
    static const QList<QList<QChar::Script>> writtenTogether = {
        {QChar::Script_Latin, QChar::Script_Han, QChar::Script_Hiragana, QChar::Script_Katakana},
        {QChar::Script_Latin, QChar::Script_Han, QChar::Script_Bopomofo},
        {QChar::Script_Latin, QChar::Script_Han, QChar::Script_Hangul},
    };
    for (const QList<QChar::Script> &allowed : writtenTogether) {
        if (std::all_of(scripts.cbegin(), scripts.cend(),
                        [&allowed](QChar::Script s) { return allowed.contains(s); }))
            return true;
    }
    return false;
}

} // namespace longline::protocol
