#include "serverlog.h"

#include "protocol.h"

#include <QDateTime>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace longline::server {

namespace {

// systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected
// to stderr; it only counts while stderr is still that stream.
bool stderrIsTheJournal()
{
    const QByteArray stream = qgetenv("JOURNAL_STREAM");
    struct stat st;
    if (stream.isEmpty() || ::fstat(STDERR_FILENO, &st) != 0)
        return false;
    return stream == QByteArray::number(static_cast<qulonglong>(st.st_dev)) + ':' +
                         QByteArray::number(static_cast<qulonglong>(st.st_ino));
}

// A journal field name: upper case letters, digits and '_', not starting
// with '_' (those are the journal's own); the journal's well-known names
// are left to it.
QByteArray journalKey(const char *key)
{
    QByteArray k = QByteArray(key).toUpper();
    for (char &c : k)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            c = '_';
    if (k.startsWith('_') || k == "MESSAGE" || k == "PRIORITY" || k == "SYSLOG_IDENTIFIER")
        k.prepend("LONGLINE_");
    return k;
}

int priorityOf(const char *event)
{
    for (const char *error : {"fatal", "db_error", "notify_failed", "admin_socket_failed"})
        if (std::strcmp(event, error) == 0)
            return 3;
    for (const char *warning : {"slow_reader", "output_budget", "accept_paused", "reload_refused",
                                "error_flood", "max_clients_lowered"})
        if (std::strcmp(event, warning) == 0)
            return 4;
    return 6;
}

// KEY=value, or the binary form for a value with a newline.
void appendField(QByteArray &out, const QByteArray &key, const QByteArray &value)
{
    if (!value.contains('\n')) {
        out += key + '=' + value + '\n';
        return;
    }
    out += key + '\n';
    quint64 size = static_cast<quint64>(value.size());
    for (int i = 0; i < 8; ++i, size >>= 8)
        out += static_cast<char>(size & 0xff); // little endian
    out += value + '\n';
}

} // namespace

ServerLog::ServerLog()
{
    // stderr until open() says otherwise, so early errors are never lost.
    (void)m_file.open(stderr, QIODevice::WriteOnly | QIODevice::Unbuffered);
    if (stderrIsTheJournal()) {
        m_journalPath = qEnvironmentVariableIsSet("LONGLINE_JOURNAL_SOCKET")
                            ? qgetenv("LONGLINE_JOURNAL_SOCKET") // tests: a stand-in journal
                            : QByteArray("/run/systemd/journal/socket");
        m_journalFd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
}

ServerLog::~ServerLog()
{
    if (m_journalFd >= 0)
        ::close(m_journalFd);
}

bool ServerLog::sendToJournal(const char *name, const QString &line, const QList<LogField> &fields)
{
    QByteArray datagram;
    appendField(datagram, "MESSAGE", line.toUtf8().chopped(1)); // without its newline
    appendField(datagram, "PRIORITY", QByteArray::number(priorityOf(name)));
    appendField(datagram, "SYSLOG_IDENTIFIER", "longline-server");
    appendField(datagram, "LONGLINE_EVENT", name);
    for (const auto &[key, value] : fields)
        appendField(datagram, journalKey(key), value.toUtf8());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (m_journalPath.size() >= static_cast<qsizetype>(sizeof addr.sun_path))
        return false;
    std::memcpy(addr.sun_path, m_journalPath.constData(),
                static_cast<size_t>(m_journalPath.size()));
    return ::sendto(m_journalFd, datagram.constData(), static_cast<size_t>(datagram.size()),
                    MSG_NOSIGNAL | MSG_DONTWAIT, // a full journal must not stall the loop
                    reinterpret_cast<sockaddr *>(&addr),
                    sizeof addr) == static_cast<ssize_t>(datagram.size());
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
    if (m_journalFd >= 0) { // a log file was asked for: it gets the events
        ::close(m_journalFd);
        m_journalFd = -1;
    }
    return m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered);
}

void ServerLog::event(const char *name, std::initializer_list<LogField> fields)
{
    event(name, QList<LogField>(fields));
}

void ServerLog::event(const char *name, const QList<LogField> &fields)
{
    const QString time = protocol::formatTime(QDateTime::currentDateTimeUtc());
    const QString line = formatLine(time, name, fields);
    // The journal when it takes it; else (or when it is gone) the stream.
    if (m_journalFd >= 0 && sendToJournal(name, line, fields))
        return;
    m_file.write(line.toUtf8());
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
