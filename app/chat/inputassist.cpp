#include "inputassist.h"

#include <algorithm>

namespace longline::app {

void InputHistory::add(const QString &line)
{
    if (line.trimmed().isEmpty())
        return;
    if (m_lines.isEmpty() || m_lines.constLast() != line)
        m_lines.append(line);
    while (m_lines.size() > MaxLines)
        m_lines.removeFirst();
    m_position = -1;
    m_draft.clear();
}

std::optional<QString> InputHistory::older(const QString &current)
{
    if (m_lines.isEmpty())
        return std::nullopt;
    if (m_position < 0) {
        m_draft = current;
        m_position = static_cast<int>(m_lines.size());
    }
    if (m_position > 0)
        --m_position;
    return m_lines.at(m_position);
}

std::optional<QString> InputHistory::newer()
{
    if (m_position < 0)
        return std::nullopt;
    if (++m_position >= m_lines.size()) {
        m_position = -1;
        return m_draft;
    }
    return m_lines.at(m_position);
}

std::optional<NickCompleter::Result> NickCompleter::complete(const QString &text, int cursor,
                                                             QStringList nicks)
{
    std::sort(nicks.begin(), nicks.end(), [](const QString &a, const QString &b) {
        return a.compare(b, Qt::CaseInsensitive) < 0;
    });
    const bool cycling = m_last && m_last->result == text && m_last->resultCursor == cursor;
    QString prefix;
    int wordStart = 0;
    if (cycling) {
        prefix = m_last->prefix;
        wordStart = m_last->wordStart;
    } else {
        wordStart = cursor;
        while (wordStart > 0 && !text.at(wordStart - 1).isSpace())
            --wordStart;
        prefix = text.mid(wordStart, cursor - wordStart);
        if (prefix.isEmpty())
            return std::nullopt;
    }
    QStringList matches;
    for (const QString &nick : std::as_const(nicks))
        if (nick.startsWith(prefix, Qt::CaseInsensitive))
            matches.append(nick);
    if (matches.isEmpty())
        return std::nullopt;
    const int index = cycling ? (m_last->index + 1) % static_cast<int>(matches.size()) : 0;
    // The completion replaces what lies between the word's start and the
    // cursor: the typed prefix, or the previous completion with its suffix.
    const QString suffix = wordStart == 0 ? QStringLiteral(": ") : QStringLiteral(" ");
    const QString before = text.left(wordStart);
    const QString after = text.mid(cursor);
    Result r;
    r.text = before + matches.at(index) + suffix + after;
    r.cursor = static_cast<int>(before.size() + matches.at(index).size() + suffix.size());
    m_last = Last{prefix, wordStart, r.text, r.cursor, index};
    return r;
}

} // namespace longline::app
