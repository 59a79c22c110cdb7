package dev.marina.agent.backup;

import dev.marina.agent.InstanceFiles;
import dev.marina.agent.database.MariaDbServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How mariadb-backup reaches the instance's server: over its socket as the agent's own user (password from
 * {@code agent.secret}), with the instance's my.cnf for the server's layout (datadir, InnoDB settings).
 */
public record ServerLogin(Path myCnf, Path socket, String user, Path passwordFile) {

    public static ServerLogin of(InstanceFiles files) {
        return new ServerLogin(files.myCnf(), files.socket(), MariaDbServer.AGENT_USER, files.agentSecret());
    }

    /** The login with another user (a test's wrong credentials). */
    public ServerLogin as(String otherUser, Path otherPasswordFile) {
        return new ServerLogin(myCnf, socket, otherUser, otherPasswordFile);
    }

    /**
     * An option file for mariadb-backup: the instance's my.cnf, then the login. Keeps the password off the
     * command line (where any user could read it in the process list).
     */
    String optionFile() {
        String password = password();
        return String.join("\n",
                "!include " + myCnf,
                "[mariadb-backup]",
                "user=" + quoted(user),
                "password=" + quoted(password),
                "socket=" + socket,
                "");
    }

    /**
     * An option file for the {@code mariadb} client (a replay): the login over the socket, nothing of the server's
     * my.cnf. Keeps the password off the command line.
     */
    String clientOptionFile() {
        return String.join("\n",
                "[client]",
                "user=" + quoted(user),
                "password=" + quoted(password()),
                "socket=" + socket,
                "");
    }

    private String password() {
        try {
            return Files.readString(passwordFile).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + passwordFile, e);
        }
    }

    static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
