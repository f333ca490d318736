// libFuzzer target over the client's whole line handling: a real
// ChatClient connected to a loopback server that sends the fuzz input as
// its side of the conversation and then closes. Whatever arrives, the
// client must not crash, must keep its bounds (held live messages,
// presence, unsent bytes) and must deliver messages once each in
// increasing sequence order; a scroll-back page holds only older messages.
// The first input byte picks client options.

#include "chatclient.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <cstdint>
#include <cstdlib>
#include <sys/socket.h>

using namespace longline;

namespace {

// A run that has not ended by then is left behind (a loaded machine), not
// reported: ending is the server's close, which the client always sees.
constexpr int RunDeadlineMs = 5000;

struct Harness
{
    int argc = 1;
    char name[16] = "fuzz_chatclient";
    char *argv[2] = {name, nullptr};
    QCoreApplication app{argc, argv};
    QTcpServer server;
    QByteArray script; // what the server sends to the next client

    Harness()
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            std::abort();
        QObject::connect(&server, &QTcpServer::newConnection, &server, [this] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                QObject::connect(s, &QIODevice::readyRead, s, [s] { s->readAll(); });
                QObject::connect(s, &QAbstractSocket::disconnected, s, &QObject::deleteLater);
                // Half-close once everything is out: the client reads it
                // all, then sees the end (a full close with unread data
                // could reset the connection and lose the script).
                auto halfClose = [s] {
                    if (s->bytesToWrite() == 0 && s->state() == QAbstractSocket::ConnectedState)
                        ::shutdown(static_cast<int>(s->socketDescriptor()), SHUT_WR);
                };
                QObject::connect(s, &QIODevice::bytesWritten, s, halfClose);
                if (script.isEmpty())
                    halfClose();
                else
                    s->write(script);
            }
        });
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Harness harness;
    if (size == 0)
        return 0;
    const uint8_t options = data[0];
    harness.script =
        QByteArray(reinterpret_cast<const char *>(data + 1), static_cast<qsizetype>(size - 1));

    ChatClient client;
    client.setAutoReconnect(false);
    if (options & 1)
        client.setInitialHistory(1 + (options >> 4) * 20);
    if (options & 2)
        client.setPassword(QStringLiteral("secret"));
    qint64 lastDelivered = -1;
    QObject::connect(&client, &ChatClient::messageReceived, &client,
                     [&](const protocol::ChatMessage &m, bool) {
                         if (m.seq <= lastDelivered)
                             std::abort(); // once each, in increasing order
                         lastDelivered = m.seq;
                     });
    auto checkBounds = [&client] {
        if (client.heldLiveCount() > ChatClient::MaxHeldLiveMessages ||
            client.onlineCount() > ChatClient::MaxMembers ||
            client.socket()->bytesToWrite() > ChatClient::MaxUnsentBytes + 1024 * 1024)
            std::abort();
    };
    // Scroll-back (bit 2): asked for once online; its pages hold only
    // older messages, in increasing order, no more than asked for.
    constexpr int OlderCount = 7;
    qint64 olderBefore = -1;
    if (options & 4)
        QObject::connect(&client, &ChatClient::welcomed, &client,
                         [&](const protocol::WelcomeInfo &info) {
                             if (client.requestOlder(info.seq, OlderCount))
                                 olderBefore = info.seq;
                         });
    QObject::connect(&client, &ChatClient::olderMessagesReceived, &client,
                     [&](const QList<protocol::ChatMessage> &page, bool) {
                         if (olderBefore < 0 || page.size() > OlderCount)
                             std::abort();
                         for (qsizetype i = 0; i < page.size(); ++i)
                             if (page[i].seq >= olderBefore ||
                                 (i > 0 && page[i].seq <= page[i - 1].seq))
                                 std::abort();
                     });
    QObject::connect(&client, &ChatClient::messageReceived, &client, checkBounds);
    QObject::connect(&client, &ChatClient::memberAdded, &client, checkBounds);

    QEventLoop loop;
    QObject::connect(&client, &ChatClient::stateChanged, &loop, [&](ChatClient::State s) {
        if (s == ChatClient::State::Disconnected)
            loop.quit();
    });
    QTimer::singleShot(RunDeadlineMs, &loop, &QEventLoop::quit);
    client.connectToServer(QStringLiteral("127.0.0.1"), harness.server.serverPort(),
                           QStringLiteral("fuzz"));
    if (client.state() != ChatClient::State::Disconnected)
        loop.exec();
    checkBounds();
    return 0;
}
