"""A TCP relay in front of a server, which a test can take down and bring back.

A step connects to the relay's port as to its database server. `stop()` closes
the port and every connection through it, as a server that went down would;
`start()` opens the same port again, as the server coming back. A relay
started with `silent=True` accepts connections and never answers, as a hung
server or a cut network does.
"""

import socket
import threading


class Relay:
    def __init__(self, host, port, silent=False):
        self.target = (host, port)
        self.silent = silent
        self.port = None
        self.listener = None
        self.connections = []

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port or 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()
        return self

    def stop(self):
        # shutdown() first: it wakes the threads waiting in accept() and recv().
        for end in [self.listener, *self.connections]:
            shut(end)
        self.connections.clear()

    def accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # stop() closed the port
                return
            if self.silent:
                self.connections.append(client)
                continue
            server = socket.create_connection(self.target)
            self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            shut(end)


def shut(end):
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:  # already shut
        pass
    end.close()
