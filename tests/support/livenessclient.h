#pragma once
// A bare client socket watched by ConnectionLiveness: what the server and the
// clients do, minus the chat. Records every verdict and RTT sample.

#include "connectionliveness.h"
#include "lineframer.h"
#include "protocol.h"

#include <QSignalSpy>
#include <QTcpSocket>

namespace longline::test {

class LivenessClient : public QObject
{
    Q_OBJECT
public:
    explicit LivenessClient(const LivenessSettings &settings, QObject *parent = nullptr)
        : QObject(parent), liveness(&socket)
    {
        liveness.setSettings(settings);
        connect(&socket, &QTcpSocket::connected, &liveness, &ConnectionLiveness::start);
        connect(&socket, &QTcpSocket::readyRead, this, [this] {
            liveness.noteReceived();
            framer.feed(socket.readAll());
            while (auto item = framer.next()) {
                if (item->status != LineFramer::Status::Line)
                    continue;
                const auto parsed = protocol::parse(item->text);
                if (parsed.ok() && parsed.line->command == QLatin1String("PONG"))
                    liveness.notePong(parsed.line->words.value(0));
            }
        });
        connect(&liveness, &ConnectionLiveness::dead, this,
                [this](const DeathVerdict &v) { verdicts.append(v); });
    }

    bool connectTo(quint16 port, const QHostAddress &address = QHostAddress::LocalHost)
    {
        socket.connectToHost(address, port);
        return socket.waitForConnected(3000);
    }

    QTcpSocket socket;
    ConnectionLiveness liveness;
    LineFramer framer;
    QList<DeathVerdict> verdicts;
};

} // namespace longline::test
