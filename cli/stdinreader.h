#pragma once
// Reads lines from standard input inside the event loop (QSocketNotifier on
// fd 0), so the terminal client never blocks on the keyboard or a pipe.

#include <QByteArray>
#include <QObject>
#include <QSocketNotifier>

namespace longline::cli {

class StdinReader : public QObject
{
    Q_OBJECT
public:
    // A line longer than this is passed on in pieces; memory stays bounded
    // whatever is piped in.
    static constexpr qsizetype MaxLineBytes = 64 * 1024;

    explicit StdinReader(int fd = 0, QObject *parent = nullptr);

Q_SIGNALS:
    void lineRead(const QString &line); // without the line ending
    void endOfInput();                  // once, after the last line

private:
    void onReadable();
    void emitLines();

    int m_fd;
    QSocketNotifier m_notifier;
    QByteArray m_buffer;
    bool m_ended = false;
};

} // namespace longline::cli
