#include "screenshotdirector.h"

#include "chatlogmodel.h"
#include "connectionbanner.h"
#include "mainwindow.h"
#include "memberlistmodel.h"
#include "pathmeasurementbox.h"
#include "sidepanel.h"
#include "tcprelay.h"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QLayout>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <cstdio>

namespace longline::app {

using namespace std::chrono_literals;

namespace {
constexpr int PollMs = 50;

// Scrolls the settings page so `box` starts at the top of the view: the
// shot shows it whole from its title down, with nothing above it cut in half
// (the page leaves room below its last sections for that).
void scrollToTop(MainWindow *window, QWidget *box)
{
    auto *scroll =
        window->sidePanel()->findChild<QScrollArea *>(QStringLiteral("settingsPanelScroll"));
    if (!scroll)
        return;
    scroll->widget()->layout()->activate();
    scroll->verticalScrollBar()->setValue(box->mapTo(scroll->widget(), QPoint(0, 0)).y());
}
} // namespace

ScreenshotDirector::ScreenshotDirector(MainWindow *window, const Scene &scene, QObject *parent)
    : QObject(parent), m_window(window), m_scene(scene), m_relay(new TcpRelay(this)),
      m_bob(new ChatClient(this)), m_carol(new ChatClient(this))
{
}

QString ScreenshotDirector::line(const char *english, const char *chinese) const
{
    return QString::fromUtf8(m_scene.chinese ? chinese : english);
}

void ScreenshotDirector::start()
{
    QDir().mkpath(m_scene.outputDir);
    if (m_scene.pathScenario) {
        startPath();
        return;
    }
    if (!m_relay->start(QHostAddress(m_scene.host), m_scene.port)) {
        fail(QStringLiteral("relay could not listen"));
        return;
    }
    // Fast keepalive and heartbeats so the timeline has both to show.
    LivenessConfig config = defaultLivenessConfig();
    config.keepalive.idleS = 1;
    config.keepalive.intervalS = 1;
    config.heartbeat.interval = 2s;
    config.heartbeat.timeout = 2s;
    config.natTimeoutS = 0;
    m_window->applyLivenessConfig(config);
    // Day to day: the conversation beside who is online.
    m_window->sidePanel()->showPage(SidePanel::Page::Members);
    m_window->resize(m_scene.windowSize);
    m_window->show();
    m_window->connectTo({QStringLiteral("127.0.0.1"), m_relay->port(), m_scene.nick});
    when(
        QStringLiteral("window online"),
        [this] { return m_window->client()->state() == ChatClient::State::Online; },
        [this] { sceneChat(); });
}

void ScreenshotDirector::sceneChat()
{
    const QString bob = line("bob", "李雷");
    const QString carol = line("carol", "韩梅梅");
    m_bob->connectToServer(m_scene.host, m_scene.port, bob);
    m_carol->connectToServer(m_scene.host, m_scene.port, carol);
    when(
        QStringLiteral("bots online"),
        [this] {
            return m_bob->state() == ChatClient::State::Online &&
                   m_carol->state() == ChatClient::State::Online &&
                   m_window->memberModel()->memberCount() >= 3;
        },
        [this] {
            m_bob->send(line("hi everyone — back from lunch. Did the link survive?",
                             "大家好，我吃完午饭回来了。连接还活着吗？"));
            after(400, [this] {
                m_window->sendText(line("yes: heartbeats every 2 s kept the NAT mapping warm",
                                        "活着：每 2 秒一次心跳，NAT 映射一直保持着"));
            });
            after(900, [this] {
                m_carol->send(line("mine only has keepalive 60/5/3, still here 👍",
                                   "我只开了 60/5/3 的保活，也还在线 👍"));
            });
            after(1400, [this] {
                m_bob->send(line("let's pull the cable and see who notices first",
                                 "我们拔掉网线，看看谁先发现"));
            });
            when(
                QStringLiteral("messages shown"),
                [this] {
                    return m_window->chatModel()->rowCount() >= 6 &&
                           m_window->chatModel()->unsentCount() == 0;
                },
                [this] {
                    after(6500, [this] {
                        shoot(QStringLiteral("chat"));
                        sceneSettings();
                    });
                });
        });
}

void ScreenshotDirector::sceneSettings()
{
    // The Linux defaults behind a home router: the panel warns.
    LivenessConfig config;
    for (const auto &p : livenessPresets()) {
        if (p.key == QLatin1String("linux"))
            config = p.config;
    }
    config.natTimeoutS = 180;
    m_window->applyLivenessConfig(config);
    m_window->sidePanel()->showPage(SidePanel::Page::Settings);
    after(800, [this] {
        shoot(QStringLiteral("settings"));
        sceneDeath();
    });
}

void ScreenshotDirector::sceneDeath()
{
    // The relay's kernel keeps answering keepalive probes after the cut;
    // only the end-to-end heartbeat notices.
    LivenessConfig config = defaultLivenessConfig();
    config.keepalive.idleS = 1;
    config.keepalive.intervalS = 1;
    config.heartbeat.interval = 1s;
    config.heartbeat.timeout = 1s;
    m_window->applyLivenessConfig(config);
    m_window->sidePanel()->showPage(SidePanel::Page::Connection);
    after(4000, [this] {
        m_relay->setCut(true);
        after(300, [this] { m_window->sendText(line("is anyone still there?", "还有人在吗？")); });
        when(
            QStringLiteral("death detected"),
            [this] {
                return m_window->client()->state() == ChatClient::State::WaitingToReconnect &&
                       m_window->banner()->isVisible();
            },
            [this] {
                after(250, [this] {
                    shoot(QStringLiteral("status-dead"));
                    sceneReconnect();
                });
            });
    });
}

void ScreenshotDirector::sceneReconnect()
{
    m_relay->setCut(false);
    m_bob->send(line("(sent while you were away)", "（你离线时发的消息）"));
    when(
        QStringLiteral("reconnected"),
        [this] {
            return m_window->client()->state() == ChatClient::State::Online &&
                   m_window->chatModel()->unsentCount() == 0;
        },
        [this] {
            after(1500, [this] {
                shoot(QStringLiteral("reconnected"));
                m_bob->disconnectFromServer();
                m_carol->disconnectFromServer();
                after(300, [] { QApplication::exit(0); });
            });
        });
}

// Measuring the lab's gateway (its timeout is 20 s), applying the result,
// then adaptive mode recovering when the script lowers the timeout to 8 s.
void ScreenshotDirector::startPath()
{
    LivenessConfig config = defaultLivenessConfig();
    config.mode = LivenessMode::Heartbeat;
    config.heartbeat.interval = 5s;
    config.heartbeat.timeout = 3s;
    config.natTimeoutS = 0;
    m_window->applyLivenessConfig(config);
    m_window->sidePanel()->showPage(SidePanel::Page::Settings);
    m_window->resize(1280, 820);
    m_window->show();
    connect(m_window->adaptiveKeepWarm(), &AdaptiveKeepWarm::applied, this,
            [this](Millis, KeepWarmMechanism, AdaptiveKeepWarm::Reason reason, Millis) {
                m_adaptiveReasons.append(static_cast<int>(reason));
            });
    m_window->connectTo({m_scene.host, m_scene.port, m_scene.nick});
    auto *box = m_window->findChild<PathMeasurementBox *>();
    when(
        QStringLiteral("window online"),
        [this] { return m_window->client()->state() == ChatClient::State::Online; },
        [this, box] {
            scrollToTop(m_window, box);
            box->startMeasurement();
            // Well into the second round: bounds known, probes waiting.
            when(
                QStringLiteral("second round"),
                [box] { return box->prober()->isRunning() && box->prober()->goneBy() > Millis{0}; },
                [this, box] {
                    after(6000, [this, box] {
                        // The box has grown since: its title at the top again.
                        scrollToTop(m_window, box);
                        after(300, [this] { shoot(QStringLiteral("measure-running")); });
                    });
                },
                120000);
            when(
                QStringLiteral("measurement finished"),
                [box] { return !box->prober()->isRunning() && box->lastResult().has_value(); },
                [this] { after(500, [this] { scenePathMeasured(); }); }, 300000);
        });
}

void ScreenshotDirector::scenePathMeasured()
{
    auto *box = m_window->findChild<PathMeasurementBox *>();
    scrollToTop(m_window, box);
    after(300, [this, box] {
        shoot(QStringLiteral("measure-result"));
        if (auto *apply = box->findChild<QPushButton *>(QStringLiteral("applyMeasurement")))
            apply->click();
        scenePathAdaptive();
    });
}

void ScreenshotDirector::scenePathAdaptive()
{
    auto *box = m_window->findChild<PathMeasurementBox *>();
    if (auto *adaptive = box->findChild<QCheckBox *>(QStringLiteral("adaptiveKeepWarm")))
        adaptive->setChecked(true);
    const auto count = [this](AdaptiveKeepWarm::Reason r) {
        return m_adaptiveReasons.count(static_cast<int>(r));
    };
    when(
        QStringLiteral("adaptive measured"),
        [count] { return count(AdaptiveKeepWarm::Reason::Measured) >= 1; },
        [this, count] {
            std::fprintf(stderr, "lower the gateway\n");
            std::fflush(stderr);
            when(
                QStringLiteral("keep-warm failed and measured again"),
                [count] {
                    return count(AdaptiveKeepWarm::Reason::FailedKeepWarm) >= 1 &&
                           count(AdaptiveKeepWarm::Reason::Measured) >= 2;
                },
                [this] {
                    // The chat with the loss and the reconnect, and the
                    // event log with adaptive mode's decisions.
                    m_window->sidePanel()->showPage(SidePanel::Page::Connection);
                    m_window->resize(1600, 900);
                    after(1500, [this] {
                        shoot(QStringLiteral("adaptive-recovered"));
                        after(300, [] { QApplication::exit(0); });
                    });
                },
                300000);
        },
        300000);
}

void ScreenshotDirector::when(const QString &what, Condition ready, Action then, int timeoutMs)
{
    auto *timer = new QTimer(this);
    auto *clock = new QElapsedTimer;
    clock->start();
    connect(timer, &QTimer::timeout, this, [this, timer, clock, what, ready, then, timeoutMs] {
        if (ready()) {
            timer->stop();
            timer->deleteLater();
            delete clock;
            then();
        } else if (clock->elapsed() > timeoutMs) {
            timer->stop();
            timer->deleteLater();
            delete clock;
            fail(QStringLiteral("timed out waiting for: %1").arg(what));
        }
    });
    timer->start(PollMs);
}

void ScreenshotDirector::after(int ms, Action then)
{
    QTimer::singleShot(ms, this, then);
}

void ScreenshotDirector::shoot(const QString &name)
{
    const QString path =
        QDir(m_scene.outputDir).filePath(name + m_scene.suffix + QStringLiteral(".png"));
    const QPixmap pixmap = m_window->grab();
    if (!pixmap.save(path)) {
        fail(QStringLiteral("could not write %1").arg(path));
        return;
    }
    std::fprintf(stderr, "screenshot %s\n", qPrintable(path));
}

void ScreenshotDirector::fail(const QString &why)
{
    std::fprintf(stderr, "screenshot scenario failed: %s\n", qPrintable(why));
    QApplication::exit(1);
}

} // namespace longline::app
