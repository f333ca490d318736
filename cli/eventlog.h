#pragma once
// Writes liveness events to a stream (stderr), one per line, flushed at once
// so a script reading the pipe sees each event when it happens.
//
// text: `<ISO-8601 UTC ms> <event> key=value key="value with spaces" ...`
//       (the server log's format; nested objects become dotted keys)
// json: `{"time":"...","event":"...",<fields>}`
// "time" is always when the event was written; fields never use the keys
// "time" or "event" (a chat message's own time is "server_time").

#include "clioptions.h"

#include <QJsonObject>
#include <QString>
#include <cstdio>

namespace longline::cli {

class EventLog
{
public:
    explicit EventLog(EventFormat format, FILE *out = stderr) : m_format(format), m_out(out) {}

    void write(const QString &event, const QJsonObject &fields = {});

    // The text-format line for an event, without the time stamp. Exposed for tests.
    static QString formatText(const QString &event, const QJsonObject &fields);

private:
    EventFormat m_format;
    FILE *m_out;
};

} // namespace longline::cli
