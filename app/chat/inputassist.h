#pragma once
// What the input line does besides taking text, kept apart from widgets so
// it can be tested alone: the history of sent lines on Up and Down (the
// line being typed is kept as a draft), and nick completion on Tab
// (IRC style: "al<Tab>" at the start of a line becomes "alice: ", further
// Tabs cycle through the other nicks that fit).

#include <QString>
#include <QStringList>
#include <optional>

namespace longline::app {

class InputHistory
{
public:
    // Lines kept; older ones are forgotten.
    static constexpr int MaxLines = 200;

    // A line was sent: it becomes the newest entry, browsing starts over.
    void add(const QString &line);
    // Up: the previous line (the current text is kept as the draft the
    // first time); the oldest stays. Nothing when there is no history.
    std::optional<QString> older(const QString &current);
    // Down: the next newer line, then the draft back.
    std::optional<QString> newer();
    int size() const { return static_cast<int>(m_lines.size()); }

private:
    QStringList m_lines; // oldest first
    int m_position = -1; // -1: not browsing
    QString m_draft;
};

class NickCompleter
{
public:
    struct Result
    {
        QString text;
        int cursor = 0;
    };
    // Completes the word before `cursor` in `text` from `nicks`; a call
    // right after a completion, with the text it returned, cycles to the
    // next nick that fits. Nothing when no nick fits.
    std::optional<Result> complete(const QString &text, int cursor, QStringList nicks);
    // Any other key: the next Tab starts a new completion.
    void reset() { m_last.reset(); }

private:
    struct Last
    {
        QString prefix; // what the user typed
        int wordStart = 0;
        QString result; // the text after the completion
        int resultCursor = 0;
        int index = 0; // of the nick used, in the sorted matches
    };
    std::optional<Last> m_last;
};

} // namespace longline::app
