// The members page in a room over the server's presence limit (issue:
// "Online (100)" in a room of thousands): the real window against the real
// server started with a small --presence-limit and a crowd of bare
// clients. The title shows the room's size, a note says how much of it the
// list shows, "Show more" fetches the next page, and when the room shrinks
// back under the limit the note goes and the count follows the list.

#include "../support/ciskip.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "memberlistfooter.h"
#include "memberlistmodel.h"
#include "settingsstore.h"
#include "sidepanel.h"

#include <QApplication>
#include <QHostAddress>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <vector>

using namespace longline;
using namespace longline::app;
using namespace longline::guitest;

namespace {
constexpr int WaitMs = 10000;
constexpr int PresenceLimit = 20;
constexpr int CrowdSize = 130; // over the limit and over one ONLINE page (100)
constexpr int Remaining = 5;   // the crowd left after most of it goes

// A crowd member: registers, answers PINGs, ignores the rest. A bare
// socket, so a few hundred of them cost the test little. Each comes from
// its own loopback address (127.0.1.i): the server announces (and lists)
// at most a burst of joins per address, and which of one address's joins
// fell in its burst would depend on the order the connects arrived in.
class Bystander
{
public:
    Bystander(const QString &nick, int index, quint16 port)
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, [this] { onReadyRead(); });
        m_socket.bind(QHostAddress(QStringLiteral("127.0.1.%1").arg(index)));
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        m_socket.write("HELLO " + nick.toUtf8() + '\n');
    }
    bool welcomed() const { return m_welcomed; }
    void leave()
    {
        m_socket.write("QUIT\n");
        m_socket.disconnectFromHost();
    }

private:
    void onReadyRead()
    {
        m_buffer += m_socket.readAll();
        qsizetype nl;
        while ((nl = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(nl);
            m_buffer.remove(0, nl + 1);
            if (line.startsWith("WELCOME "))
                m_welcomed = true;
            else if (line.startsWith("PING"))
                m_socket.write("PONG" + line.mid(4) + '\n');
        }
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    bool m_welcomed = false;
};

QString crowdNick(int i)
{
    return QStringLiteral("guest%1").arg(i, 3, 10, QLatin1Char('0'));
}
} // namespace

class TestMembersAuditorium : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void largeRoomThenSmallAgain()
    {
        if (Server::binary().isEmpty())
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set: run through ctest");
        Server server;
        QVERIFY(server.start({QStringLiteral("--presence-limit"), QString::number(PresenceLimit),
                              QStringLiteral("--max-per-address"), QStringLiteral("1000")}));
        QTemporaryDir dir;
        SettingsStore store(dir.filePath(QStringLiteral("settings.ini")));
        MainWindow w(&store);
        w.resize(1280, 720);
        w.show();
        w.sidePanel()->showPage(SidePanel::Page::Members);
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QString me = QStringLiteral("aaron");
        w.connectTo({QStringLiteral("127.0.0.1"), server.port(), me});
        QTRY_COMPARE_WITH_TIMEOUT(w.client()->state(), ChatClient::State::Online, WaitMs);

        const auto title = [&w] { return w.sidePanel()->tabText(int(SidePanel::Page::Members)); };
        MemberListFooter *footer = w.memberFooter();
        MemberListModel *model = w.memberModel();
        QTRY_COMPARE_WITH_TIMEOUT(title(), QStringLiteral("Online (1)"), WaitMs);
        QVERIFY(footer->isHidden());

        // The crowd comes: the room goes over the limit and over a page.
        // Those who stay join first, one after the other: only the first
        // joins from an address are announced (PresenceThrottle), and the
        // server's loops would otherwise take a crowd's HELLOs in any order.
        std::vector<std::unique_ptr<Bystander>> crowd;
        for (int i = 1; i <= CrowdSize; ++i) {
            crowd.push_back(std::make_unique<Bystander>(crowdNick(i), i, server.port()));
            if (i <= Remaining)
                QTRY_VERIFY_WITH_TIMEOUT(crowd.back()->welcomed(), WaitMs);
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(crowd.cbegin(), crowd.cend(), [](const auto &b) { return b->welcomed(); }),
            WaitMs);
        const int roomSize = CrowdSize + 1;
        const QString ofRoom = QStringLiteral(" of %1 people.").arg(roomSize);

        // The room's size in the title; the list is its first page, and
        // says so.
        QTRY_COMPARE_WITH_TIMEOUT(title(), QStringLiteral("Online (%1)").arg(roomSize), WaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(model->listedCount(), 100, WaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 100, WaitMs);
        QVERIFY(footer->isVisible());
        QCOMPARE(footer->note()->text(), QStringLiteral("Showing 100") + ofRoom);
        QVERIFY(footer->moreButton()->isVisible() && footer->moreButton()->isEnabled());
        // The first page in the server's order: me, then guest001 on.
        QStringList firstPage = model->shownNicks();
        QCOMPARE(firstPage.first(), me);
        QCOMPARE(firstPage.last(), crowdNick(99));

        // "Show more": the rest, added to what was there.
        QTest::mouseClick(footer->moreButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), roomSize, WaitMs);
        const QStringList all = model->shownNicks();
        QCOMPARE(QSet<QString>(all.cbegin(), all.cend()).size(), roomSize); // no duplicates
        for (const QString &nick : std::as_const(firstPage))
            QVERIFY2(all.contains(nick), qPrintable(nick));
        QCOMPARE(all.last(), crowdNick(CrowdSize));
        QCOMPARE(title(), QStringLiteral("Online (%1)").arg(roomSize));
        // Everyone is listed: nothing more to show.
        QTRY_VERIFY_WITH_TIMEOUT(footer->isHidden(), WaitMs);

        // Most of the crowd goes: under the limit JOIN/LEAVE resume, the
        // note stays away and the count is the list's again.
        for (int i = Remaining; i < CrowdSize; ++i)
            crowd[size_t(i)]->leave();
        const int smallRoom = Remaining + 1;
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), smallRoom, WaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(title(), QStringLiteral("Online (%1)").arg(smallRoom), WaitMs);
        QCOMPARE(w.client()->roomCount(), 0);
        QVERIFY(footer->isHidden());

        // And follows it: one more leaves, announced.
        crowd[0]->leave();
        QTRY_COMPARE_WITH_TIMEOUT(title(), QStringLiteral("Online (%1)").arg(smallRoom - 1),
                                  WaitMs);
        QCOMPARE(model->rowCount(), smallRoom - 1);
        QVERIFY(!model->shownNicks().contains(crowdNick(1)));
        QVERIFY(footer->isHidden());
    }
};

QTEST_MAIN(TestMembersAuditorium)
#include "tst_members_auditorium.moc"
