"""ZI Monitor dashboard: the sign-in gate, then the chosen page with the shared sidebar links and filters."""

from ui import router

router.route()
