#include "settingsstore.h"

#include <QDir>
#include <QFileInfo>

namespace longline::app {

namespace {
// Bumped when the meaning of stored keys changes.
constexpr int SettingsVersion = 1;
} // namespace

SettingsStore::SettingsStore(const QString &iniPath)
    : m_settings(iniPath.isEmpty() ? std::make_unique<QSettings>()
                                   : std::make_unique<QSettings>(iniPath, QSettings::IniFormat))
{
    m_settings->setValue(QStringLiteral("version"), SettingsVersion);
}

LivenessConfig SettingsStore::liveness() const
{
    LivenessConfig c = defaultLivenessConfig();
    const QSettings &s = *m_settings;
    if (const auto mode = modeFromKey(s.value(QStringLiteral("liveness/mode")).toString()))
        c.mode = *mode;
    if (const auto ka =
            KeepaliveOptions::parse(s.value(QStringLiteral("liveness/keepalive")).toString());
        ka && ka->enabled)
        c.keepalive = *ka;
    bool ok = false;
    const qint64 ut = s.value(QStringLiteral("liveness/userTimeoutMs")).toLongLong(&ok);
    if (ok && ut >= 0)
        c.userTimeout = Millis{ut};
    if (const auto hb =
            HeartbeatOptions::parse(s.value(QStringLiteral("liveness/heartbeat")).toString());
        hb && hb->enabled)
        c.heartbeat = *hb;
    const int nat = s.value(QStringLiteral("liveness/natTimeoutS")).toInt(&ok);
    if (ok && nat >= 0)
        c.natTimeoutS = nat;
    return c;
}

void SettingsStore::setLiveness(const LivenessConfig &c)
{
    QSettings &s = *m_settings;
    s.setValue(QStringLiteral("liveness/mode"), modeKey(c.mode));
    // Stored in the command-line syntax, with the values of a switched-off
    // mechanism kept (written as if enabled).
    KeepaliveOptions ka = c.keepalive;
    ka.enabled = true;
    s.setValue(QStringLiteral("liveness/keepalive"), ka.toString());
    s.setValue(QStringLiteral("liveness/userTimeoutMs"), qint64(c.userTimeout.count()));
    HeartbeatOptions hb = c.heartbeat;
    hb.enabled = true;
    s.setValue(QStringLiteral("liveness/heartbeat"), hb.toString());
    s.setValue(QStringLiteral("liveness/natTimeoutS"), c.natTimeoutS);
}

ConnectionProfile SettingsStore::connection() const
{
    ConnectionProfile p;
    const QSettings &s = *m_settings;
    p.host = s.value(QStringLiteral("connection/host"), p.host).toString();
    const int port = s.value(QStringLiteral("connection/port"), p.port).toInt();
    if (port > 0 && port < 65536)
        p.port = static_cast<quint16>(port);
    p.nick = s.value(QStringLiteral("connection/nick")).toString();
    p.tls = s.value(QStringLiteral("connection/tls"), false).toBool();
    p.pinnedSha256 = s.value(QStringLiteral("connection/pinnedSha256")).toString();
    return p;
}

void SettingsStore::setConnection(const ConnectionProfile &p)
{
    m_settings->setValue(QStringLiteral("connection/host"), p.host);
    m_settings->setValue(QStringLiteral("connection/port"), p.port);
    m_settings->setValue(QStringLiteral("connection/nick"), p.nick);
    m_settings->setValue(QStringLiteral("connection/tls"), p.tls);
    m_settings->setValue(QStringLiteral("connection/pinnedSha256"), p.pinnedSha256);

    QList<ConnectionProfile> servers{p};
    for (const ConnectionProfile &old : savedServers()) {
        const bool same = old.host.compare(p.host, Qt::CaseInsensitive) == 0 && old.port == p.port;
        if (!same && servers.size() < MaxSavedServers)
            servers << old;
    }
    m_settings->beginWriteArray(QStringLiteral("servers"), int(servers.size()));
    for (int i = 0; i < servers.size(); ++i) {
        m_settings->setArrayIndex(i);
        m_settings->setValue(QStringLiteral("host"), servers[i].host);
        m_settings->setValue(QStringLiteral("port"), servers[i].port);
        m_settings->setValue(QStringLiteral("nick"), servers[i].nick);
        m_settings->setValue(QStringLiteral("tls"), servers[i].tls);
        m_settings->setValue(QStringLiteral("pinnedSha256"), servers[i].pinnedSha256);
    }
    m_settings->endArray();
}

QList<ConnectionProfile> SettingsStore::savedServers() const
{
    QList<ConnectionProfile> servers;
    const int n = m_settings->beginReadArray(QStringLiteral("servers"));
    for (int i = 0; i < n; ++i) {
        m_settings->setArrayIndex(i);
        ConnectionProfile p;
        p.host = m_settings->value(QStringLiteral("host")).toString();
        const int port = m_settings->value(QStringLiteral("port")).toInt();
        if (p.host.isEmpty() || port <= 0 || port >= 65536)
            continue;
        p.port = static_cast<quint16>(port);
        p.nick = m_settings->value(QStringLiteral("nick")).toString();
        p.tls = m_settings->value(QStringLiteral("tls"), false).toBool();
        p.pinnedSha256 = m_settings->value(QStringLiteral("pinnedSha256")).toString();
        servers << p;
    }
    m_settings->endArray();
    return servers;
}

bool SettingsStore::adaptiveKeepWarm() const
{
    return m_settings->value(QStringLiteral("liveness/adaptive"), false).toBool();
}

void SettingsStore::setAdaptiveKeepWarm(bool on)
{
    m_settings->setValue(QStringLiteral("liveness/adaptive"), on);
}

QString SettingsStore::pathStoreFile() const
{
    return QFileInfo(m_settings->fileName()).absoluteDir().filePath(QStringLiteral("paths.ini"));
}

bool SettingsStore::largeFont() const
{
    return m_settings->value(QStringLiteral("view/largeFont"), false).toBool();
}

void SettingsStore::setLargeFont(bool on)
{
    m_settings->setValue(QStringLiteral("view/largeFont"), on);
}

QByteArray SettingsStore::windowGeometry() const
{
    return m_settings->value(QStringLiteral("window/geometry")).toByteArray();
}

QByteArray SettingsStore::windowState() const
{
    return m_settings->value(QStringLiteral("window/state")).toByteArray();
}

void SettingsStore::setWindow(const QByteArray &geometry, const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("window/geometry"), geometry);
    m_settings->setValue(QStringLiteral("window/state"), state);
}

} // namespace longline::app
