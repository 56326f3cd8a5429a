import datetime as dt

import pytest

from berdaya.registry import choices as rc
from berdaya.testing import factories as f
from berdaya.testing import markets as mt
from berdaya.testing import programmes as pt


@pytest.fixture
def world(officer, facilitator, partner):
    """A programme with a session and two participants in Jangkat (15.02.01.2001), a farmer with a rubber plot
    there, a farmer group, a price point; a facilitator of another village and a partner of another organisation."""
    farmer = f.person(hh=f.household(village="15.02.01.2001"), name="Siti Petani", occupation=rc.Occupation.FARMER)
    other = f.person(hh=f.household(village="15.02.02.2004"), name="Budi Bangko")
    programme = pt.programme(officer, name="Sekolah Lapang Karet")
    session = pt.session(officer, programme, days_ago=1, topic="Sadap karet")
    pt.enrol(officer, programme, farmer)
    pt.enrol(officer, programme, other)
    group = f.group(village="15.02.01.2001", name="Poktan Karet Jaya")
    f.group(village="15.02.02.2004", name="Poktan Bangko")
    point = mt.point("Pengepul Jangkat", village="15.02.01.2001")
    mt.point("Pasar Bangko", village="15.02.02.2004")
    from berdaya.farming import services as farming
    from berdaya.farming.models import Plot

    plot = farming.plot_save(
        actor=officer,
        plot=Plot(
            farmer=farmer,
            village_id="15.02.01.2001",
            area_ha="1.5",
            tenure="own",
            commodity=mt.commodity("karet"),
            planting_year=2010,
        ),
    )
    return {
        "officer": officer,
        "facilitator": facilitator,
        "partner": partner,
        "farmer": farmer,
        "other": other,
        "programme": programme,
        "session": session,
        "group": group,
        "point": point,
        "plot": plot,
        "other_facilitator": f.user("facilitator", villages=["15.02.02.2004"]),
        "other_partner": f.user("partner", org=f.organisation("Yayasan Lain")),
        "today": dt.date.today(),
    }
