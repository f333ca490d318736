#include "serverlog.h"

#include "protocol.h"

#include <QDateTime>
#include <cstdio>

namespace longline::server {

ServerLog::ServerLog()
{
    // stderr until open() says otherwise, so early errors are never lost.
    (void)m_file.open(stderr, QIODevice::WriteOnly | QIODevice::Unbuffered);
}

bool ServerLog::open(const QString &path, QString *error)
{
    if (path.isEmpty())
        return true;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        if (error)
            *error = QStringLiteral("cannot open log file %1: %2").arg(path, file.errorString());
        return false;
    }
    file.close();
    m_file.close();
    m_file.setFileName(path);
    return m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered);
}

void ServerLog::event(const char *name, std::initializer_list<LogField> fields)
{
    event(name, QList<LogField>(fields));
}

void ServerLog::event(const char *name, const QList<LogField> &fields)
{
    const QString time = protocol::formatTime(QDateTime::currentDateTimeUtc());
    m_file.write(formatLine(time, name, fields).toUtf8());
    m_file.flush();
}

QString ServerLog::formatValue(const QString &value)
{
    bool needsQuotes = value.isEmpty();
    for (const QChar c : value) {
        if (c.isSpace() || c == QLatin1Char('"') || c == QLatin1Char('=') ||
            c == QLatin1Char('\\') || c.category() == QChar::Other_Control) {
            needsQuotes = true;
            break;
        }
    }
    if (!needsQuotes)
        return value;
    QString out = QStringLiteral("\"");
    for (const QChar c : value) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\')) {
            out += QLatin1Char('\\');
            out += c;
        } else if (c == QLatin1Char('\n')) {
            out += QStringLiteral("\\n");
        } else if (c.category() == QChar::Other_Control) {
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        } else {
            out += c;
        }
    }
    out += QLatin1Char('"');
    return out;
}

QString ServerLog::formatLine(const QString &time, const char *name, const QList<LogField> &fields)
{
    QString line = time + QLatin1Char(' ') + QLatin1String(name);
    for (const auto &[key, value] : fields) {
        line += QLatin1Char(' ');
        line += QLatin1String(key);
        line += QLatin1Char('=');
        line += formatValue(value);
    }
    line += QLatin1Char('\n');
    return line;
}

} // namespace longline::server
