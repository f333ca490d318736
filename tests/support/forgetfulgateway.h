#pragma once
// A NAT gateway in a test process: relays each accepted connection to a
// server and forgets it once it sat idle (no byte either way) for a set
// time, as conntrack does. A forgotten connection's bytes are dropped
// (Silent), or the client's next segment is answered with a TCP reset
// (Reset, as AWS's NAT gateway does). The timeout can change while
// connections are open, like `longline-lab set --nat-timeout`.

#include "idletimeoutprober.h"
#include "livenesssettings.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <sys/socket.h>

namespace longline::test {

class ForgetfulGateway : public QObject
{
public:
    enum class Mode
    {
        Silent,   // drops everything once it forgot
        Reset,    // answers the client's next segment with a reset
        Recreate, // drops the server's segments, but the client's next one
                  // makes a new mapping (loose connection tracking)
    };

    ForgetfulGateway(quint16 serverPort, Millis timeout, Mode mode)
        : m_serverPort(serverPort), m_timeout(timeout), m_mode(mode)
    {
        QObject::connect(&m_listener, &QTcpServer::newConnection, this, [this] { accept(); });
    }

    bool listen() { return m_listener.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_listener.serverPort(); }
    void setTimeout(Millis timeout) { m_timeout = timeout; }
    int forgotten() const { return m_forgotten; }

private:
    struct Mapping
    {
        QTcpSocket *inside = nullptr;
        QTcpSocket *outside = nullptr;
        QElapsedTimer idle;
        bool forgotten = false;
        QByteArray pending; // client bytes before the server side connected
    };

    void accept()
    {
        while (QTcpSocket *inside = m_listener.nextPendingConnection()) {
            auto *m = new Mapping;
            m->inside = inside;
            m->outside = new QTcpSocket(inside);
            m->idle.start();
            QObject::connect(inside, &QTcpSocket::readyRead, inside, [this, m] { fromInside(m); });
            QObject::connect(m->outside, &QTcpSocket::readyRead, inside,
                             [this, m] { fromOutside(m); });
            QObject::connect(m->outside, &QTcpSocket::connected, inside, [m] {
                m->outside->write(m->pending);
                m->pending.clear();
            });
            // A close from either end is passed on while the mapping lives.
            QObject::connect(m->outside, &QTcpSocket::disconnected, inside, [m] {
                if (!m->forgotten)
                    m->inside->disconnectFromHost();
            });
            QObject::connect(inside, &QTcpSocket::disconnected, inside, [m] {
                if (!m->forgotten)
                    m->outside->disconnectFromHost();
            });
            QObject::connect(inside, &QObject::destroyed, inside, [m] { delete m; });
            QObject::connect(inside, &QTcpSocket::disconnected, inside, &QObject::deleteLater);
            m->outside->connectToHost(QHostAddress::LocalHost, m_serverPort);
        }
    }

    // Like conntrack: the timeout is judged when a segment arrives.
    bool expired(Mapping *m)
    {
        if (!m->forgotten && m->idle.elapsed() >= m_timeout.count()) {
            m->forgotten = true;
            ++m_forgotten;
        }
        return m->forgotten;
    }

    void fromInside(Mapping *m)
    {
        const QByteArray bytes = m->inside->readAll();
        if (expired(m) && m_mode == Mode::Recreate) {
            // A new mapping for the same pair: it carries traffic again.
            m->forgotten = false;
        } else if (m->forgotten) {
            if (m_mode == Mode::Reset) {
                // SO_LINGER 0: close() sends a reset instead of a FIN.
                const linger hard{1, 0};
                ::setsockopt(static_cast<int>(m->inside->socketDescriptor()), SOL_SOCKET, SO_LINGER,
                             &hard, sizeof hard);
                m->inside->abort();
            }
            return;
        }
        m->idle.restart();
        if (m->outside->state() == QAbstractSocket::ConnectedState)
            m->outside->write(bytes);
        else
            m->pending += bytes;
    }

    void fromOutside(Mapping *m)
    {
        const QByteArray bytes = m->outside->readAll();
        if (expired(m))
            return; // the server's segment finds no mapping and vanishes
        m->idle.restart();
        m->inside->write(bytes);
    }

    QTcpServer m_listener;
    quint16 m_serverPort;
    Millis m_timeout;
    Mode m_mode;
    int m_forgotten = 0;
};

// A search sized for a gateway in the test process: short delays and short
// graces (loopback answers in microseconds).
inline IdleTimeoutSearch quickSearch()
{
    IdleTimeoutSearch s;
    s.minDelay = Millis{250};
    s.maxDelay = Millis{4000};
    s.answerGrace = Millis{400};
    s.resetGrace = Millis{400};
    return s;
}

} // namespace longline::test
