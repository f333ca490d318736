#pragma once
// The server's event log: one line per event,
//   <ISO-8601 UTC time with ms> <event> key=value key="value with spaces" ...
// written to stderr or appended to a file, flushed after every line so a
// crash or kill -9 never loses what already happened (tests parse it live).

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

    // Empty path = stderr. Returns false (and sets *error) when the file
    // cannot be opened; the log then stays on stderr.
    bool open(const QString &path, QString *error);

    void event(const char *name, std::initializer_list<LogField> fields);
    void event(const char *name, const QList<LogField> &fields);

    // Quotes a value when it is empty or holds spaces, quotes, '=' or
    // control characters; escapes inside quotes so a line stays one line.
    static QString formatValue(const QString &value);
    static QString formatLine(const QString &time, const char *name, const QList<LogField> &fields);

private:
    QFile m_file;
};

} // namespace longline::server
