#pragma once
// A minimal protocol peer for liveness tests: accepts connections, answers
// every PING with the matching PONG, and can close or reset its sockets.

#include "lineframer.h"
#include "protocol.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <sys/socket.h>

namespace longline::test {

class PingPeer : public QObject
{
    Q_OBJECT
public:
    explicit PingPeer(QObject *parent = nullptr) : QObject(parent)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                m_sockets.append(s);
                auto *framer = new LineFramer(4096);
                connect(s, &QObject::destroyed, [framer] { delete framer; });
                connect(s, &QTcpSocket::readyRead, this, [this, s, framer] {
                    framer->feed(s->readAll());
                    while (auto item = framer->next()) {
                        if (item->status != LineFramer::Status::Line)
                            continue;
                        m_lines.append(item->text);
                        const auto parsed = protocol::parse(item->text);
                        if (m_answerPings && parsed.ok() &&
                            parsed.line->command == QLatin1String("PING"))
                            s->write(protocol::pong(parsed.line->words.value(0)));
                        Q_EMIT lineReceived(item->text);
                    }
                });
            }
        });
    }
    bool listen(const QHostAddress &address = QHostAddress::LocalHost)
    {
        return m_server.listen(address, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    QTcpSocket *last() const { return m_sockets.isEmpty() ? nullptr : m_sockets.last(); }
    void setAnswerPings(bool on) { m_answerPings = on; }
    QStringList lines() const { return m_lines; }
    // Sends an RST: SO_LINGER with a zero timeout, then close.
    static void reset(QTcpSocket *s)
    {
        linger l{1, 0};
        ::setsockopt(static_cast<int>(s->socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        s->abort();
    }

Q_SIGNALS:
    void lineReceived(const QString &line);

private:
    QTcpServer m_server;
    QList<QTcpSocket *> m_sockets;
    QStringList m_lines;
    bool m_answerPings = true;
};

} // namespace longline::test
