#include "loadclient.h"

#include "protocol.h"

namespace longline::bench {

LoadClient::LoadClient(int index, QObject *parent) : QObject(parent), m_index(index)
{
    m_clock.start();
    connect(&m_socket, &QTcpSocket::connected, this,
            [this] { m_socket.write(protocol::hello(QStringLiteral("load%1").arg(m_index))); });
    connect(&m_socket, &QTcpSocket::readyRead, this, &LoadClient::onReadyRead);
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_failure.isEmpty()) {
            m_failure = m_socket.errorString();
            Q_EMIT failed(m_failure);
        }
    });
}

void LoadClient::start(const QString &host, quint16 port)
{
    m_socket.connectToHost(host, port);
}

void LoadClient::sendOne()
{
    const QString cid = QStringLiteral("c%1-%2").arg(m_index).arg(m_sent);
    m_sentAt.insert(cid, m_clock.elapsed());
    m_socket.write(protocol::sayWithId(
        cid, QStringLiteral("message %1 from load%2").arg(m_sent).arg(m_index)));
    ++m_sent;
}

void LoadClient::quit()
{
    m_socket.write(protocol::quit(QStringLiteral("benchmark done")));
    m_socket.disconnectFromHost();
}

void LoadClient::onReadyRead()
{
    m_framer.feed(m_socket.readAll());
    while (auto item = m_framer.next()) {
        if (item->status != LineFramer::Status::Line)
            continue;
        const auto parsed = protocol::parse(item->text);
        if (!parsed.ok())
            continue;
        const protocol::Line &line = *parsed.line;
        if (line.command == QLatin1String("MSG")) {
            const auto m = protocol::parseChatMessage(line);
            if (!m)
                continue;
            ++m_received;
            if (m_firstSeq < 0)
                m_firstSeq = m->seq;
            if (m->seq == m_lastSeq)
                ++m_duplicates;
            else if (m->seq < m_lastSeq)
                ++m_outOfOrder;
            m_lastSeq = std::max(m_lastSeq, m->seq);
        } else if (line.command == QLatin1String("ACK")) {
            ++m_acked;
            const auto it = m_sentAt.find(line.words.value(0));
            if (it != m_sentAt.end()) {
                m_latencies.append(double(m_clock.elapsed() - it.value()));
                m_sentAt.erase(it);
            }
        } else if (line.command == QLatin1String("WELCOME")) {
            m_online = true;
            Q_EMIT registered();
        } else if (line.command == QLatin1String("PING")) {
            m_socket.write(protocol::pong(line.words.value(0)));
        } else if (line.command == QLatin1String("ERR")) {
            if (m_failure.isEmpty())
                m_failure = item->text;
        }
    }
}

} // namespace longline::bench
