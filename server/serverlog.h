#pragma once
// The server's event log: one line per event,
//   <ISO-8601 UTC time with ms> <event> key=value key="value with spaces" ...
// written to stderr or appended to a file, flushed after every line so a
// crash or kill -9 never loses what already happened (tests parse it live).
// Under systemd, when stderr is the journal ($JOURNAL_STREAM), each event
// goes to the journal's native socket instead, as the same text line
// (MESSAGE) plus one field per key (CAUSE=, NICK=, PEER=, DETECTION_MS=,
// LONGLINE_EVENT=...), so `journalctl -u longline-server CAUSE=keepalive_timeout`
// works; written without libsystemd, as systemdnotify is.

#include <QFile>
#include <QString>
#include <initializer_list>
#include <utility>

namespace longline::server {

using LogField = std::pair<const char *, QString>;

class ServerLog
{
public:
    ServerLog();
    ~ServerLog();

    // Empty path = stderr. Returns false (and sets *error) when the file
    // cannot be opened; the log then stays on stderr.
    bool open(const QString &path, QString *error);

    void event(const char *name, std::initializer_list<LogField> fields);
    void event(const char *name, const QList<LogField> &fields);

    // Quotes a value when it is empty or holds spaces, quotes, '=' or
    // control characters; escapes inside quotes so a line stays one line.
    static QString formatValue(const QString &value);
    static QString formatLine(const QString &time, const char *name, const QList<LogField> &fields);

    // True when events go to the journal's native socket.
    bool toJournal() const { return m_journalFd >= 0; }

private:
    bool sendToJournal(const char *name, const QString &line, const QList<LogField> &fields);

    QFile m_file;
    int m_journalFd = -1;
    QByteArray m_journalPath;
};

} // namespace longline::server
