#include "stdinreader.h"

#include <cerrno>
#include <unistd.h>
#include <utility>

namespace longline::cli {

namespace {
constexpr qsizetype ReadChunk = 16 * 1024;

QString decodeLine(QByteArray bytes)
{
    if (bytes.endsWith('\r'))
        bytes.chop(1);
    return QString::fromUtf8(bytes);
}
} // namespace

StdinReader::StdinReader(int fd, QObject *parent)
    : QObject(parent), m_fd(fd), m_notifier(fd, QSocketNotifier::Read)
{
    connect(&m_notifier, &QSocketNotifier::activated, this, &StdinReader::onReadable);
}

void StdinReader::onReadable()
{
    if (m_ended)
        return;
    char chunk[ReadChunk];
    // One read per notification: poll said it will not block.
    const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n > 0) {
        m_buffer.append(chunk, n);
        emitLines();
        return;
    }
    // End of input (or an unreadable stdin, which means the same to us).
    m_ended = true;
    m_notifier.setEnabled(false);
    if (!m_buffer.isEmpty())
        Q_EMIT lineRead(decodeLine(std::exchange(m_buffer, {})));
    Q_EMIT endOfInput();
}

void StdinReader::emitLines()
{
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_buffer.indexOf('\n', start);
        if (nl < 0)
            break;
        const QByteArray line = m_buffer.mid(start, nl - start);
        start = nl + 1;
        Q_EMIT lineRead(decodeLine(line));
        if (m_ended)
            return;
    }
    m_buffer.remove(0, start);
    while (m_buffer.size() > MaxLineBytes) {
        Q_EMIT lineRead(decodeLine(m_buffer.left(MaxLineBytes)));
        m_buffer.remove(0, MaxLineBytes);
    }
}

} // namespace longline::cli
