#pragma once
// Asks for a server and a nick. The nick is checked against the protocol's
// rules as the user types, so a bad nick never reaches the server.

#include "settingsstore.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QLabel;
class QPushButton;

namespace longline::app {

class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ConnectDialog(const ConnectionProfile &initial, QWidget *parent = nullptr);

    ConnectionProfile profile() const;
    // Shown above the fields, e.g. "The nick "bob" is taken."
    void setMessage(const QString &message);
    // The field a refusal asks the user to change.
    enum class Field
    {
        Nick,
        Password
    };
    // Focuses `field` with its text selected, so typing replaces it.
    void focusField(Field field);
    // Servers connected to before, most recent first: choosing one fills
    // the fields (the password is never remembered).
    void setSavedServers(const QList<ConnectionProfile> &servers);

private:
    void validate();
    void fill(const ConnectionProfile &profile);

    QComboBox *m_saved;
    QList<ConnectionProfile> m_servers;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QLineEdit *m_nick;
    QLineEdit *m_password;
    QCheckBox *m_tls;
    // Carried to whatever server is chosen: a pin matches only that one
    // certificate, which another server cannot present without its key.
    QString m_pinnedSha256;
    QLabel *m_message;
    QLabel *m_problem;
    QPushButton *m_connect;
};

} // namespace longline::app
