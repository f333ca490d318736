#pragma once
// A hidden mode for scripts/screenshots.sh: drives the real window through a
// scripted scenario against a real server and grabs it to PNG files:
// chat.png (a conversation with two other people), settings.png (the
// settings panel with a NAT warning), status-dead.png (the status pane and
// banner after a silent cut was detected) and reconnected.png. Other chat
// participants are in-process ChatClients; the silent cut is a TcpRelay
// between the window and the server. A second scenario shows "Measure this
// path" and adaptive mode through the NAT lab.

#include "chatclient.h"

#include <QObject>
#include <QSize>
#include <QTimer>
#include <functional>

namespace longline::app {

class MainWindow;
class TcpRelay;

class ScreenshotDirector : public QObject
{
    Q_OBJECT
public:
    struct Scene
    {
        QString host;
        quint16 port = 0;
        QString nick;
        QString outputDir;
        QString suffix; // appended to file names, e.g. "-zh_CN"
        bool chinese = false;
        // The path scenario instead: measure-running.png, measure-result.png
        // and adaptive-recovered.png, connected straight to the server
        // (through the NAT lab's gateway). It writes "lower the gateway" on
        // stderr when the script should shorten the lab's timeout.
        bool pathScenario = false;
        // The chat scenario's window; the screen is the same size (the
        // script starts Xvfb so), as a user with that screen would see it.
        QSize windowSize{1500, 940};
    };
    // Each step of the scenario waits at most this long for its condition.
    static constexpr int StepTimeoutMs = 20000;

    ScreenshotDirector(MainWindow *window, const Scene &scene, QObject *parent = nullptr);
    void start();

private:
    using Condition = std::function<bool()>;
    using Action = std::function<void()>;
    // Runs `then` once `ready` holds (polled), fails the run on timeout.
    void when(const QString &what, Condition ready, Action then, int timeoutMs = StepTimeoutMs);
    void after(int ms, Action then);
    void shoot(const QString &name);
    void fail(const QString &why);
    QString line(const char *english, const char *chinese) const;

    void sceneChat();
    void sceneSettings();
    void sceneDeath();
    void sceneReconnect();
    void startPath();
    void scenePathMeasured();
    void scenePathAdaptive();

    MainWindow *m_window;
    Scene m_scene;
    TcpRelay *m_relay;
    ChatClient *m_bob;
    ChatClient *m_carol;
    QList<int> m_adaptiveReasons; // AdaptiveKeepWarm::Reason of each applied()
};

} // namespace longline::app
