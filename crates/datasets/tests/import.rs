//! The import pipeline on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use xingjian_datasets::{ImportOptions, ImportOutcome, Objects, Report, import_file, read_parquet};
use xingjian_domain::{Actor, AgencyInput, AgencyKind, NewUser, Role};
use xingjian_store::{ActorStore, ImportFile, LoginOutcome, PageRequest, RequestCtx, Store};
use xingjian_testkit::{TestDb, both};

const PW: &str = "Test-Pass-2023";
const HEAD: &str = "案件编号,执法机关,违法类型,违法行为发生日期,立案日期,程序类型,当事人类型,执法人员,决定日期,处罚种类,罚款金额,备注\n";

async fn setup(backend: xingjian_store::Backend) -> (TestDb, Store, Objects) {
    let t = TestDb::new(backend).await;
    let store = Store::new(t.db.clone());
    let ctx = RequestCtx::cli();
    let sys = store.system(&ctx);
    sys.create_agency(AgencyInput {
        name: "区交通运输局".into(),
        aliases: vec!["区交通局".into()],
        kind: AgencyKind::Transport,
    })
    .await
    .unwrap();
    let jt = sys.find_agency("区交通运输局").await.unwrap().unwrap().id;
    for (u, role, agency) in [
        ("clerk", Role::Clerk, None),
        ("liaison.jt", Role::Liaison, Some(jt)),
        ("supervisor", Role::PeopleSupervisor, None),
    ] {
        sys.create_user(NewUser {
            username: u.into(),
            display_name: u.into(),
            role,
            agency_id: agency,
            password: PW.into(),
        })
        .await
        .unwrap();
    }
    let objects = Objects::local(&t.dir.path().join("objects")).unwrap();
    (t, store, objects)
}

async fn actor(store: &Store, u: &str) -> Actor {
    match store
        .system(&RequestCtx::cli())
        .login(u, PW, None)
        .await
        .unwrap()
    {
        LoginOutcome::Ok(s) => s.actor,
        LoginOutcome::Failed(f) => panic!("{f:?}"),
    }
}

/// A file with rejected rows, imported with the defaults: refused as a whole.
async fn refused(s: &ActorStore<'_>, objects: &Objects, name: &str, bytes: &[u8]) -> Report {
    let out = import_file(s, objects, name, bytes, &ImportOptions::default())
        .await
        .unwrap();
    let ImportOutcome::Rejected(report) = out else {
        panic!("{out:?}")
    };
    report
}

/// The same file imported with "import valid rows" chosen.
async fn valid_rows_imported(
    s: &ActorStore<'_>,
    objects: &Objects,
    name: &str,
    bytes: &[u8],
) -> (Box<ImportFile>, Report) {
    let opts = ImportOptions {
        import_valid_rows: true,
        ..Default::default()
    };
    let out = import_file(s, objects, name, bytes, &opts).await.unwrap();
    let ImportOutcome::Imported { file, report } = out else {
        panic!("{out:?}")
    };
    (file, report)
}

both!(
    a_good_file_becomes_a_dataset_and_a_second_import_is_a_no_op,
    |backend| async move {
        let (t, store, objects) = setup(backend).await;
        let clerk = actor(&store, "clerk").await;
        let ctx = RequestCtx::default();
        let s = store.as_actor(&clerk, &ctx);
        let csv = format!(
            "{HEAD}A1,区交通局,非法营运,2023-05-01,2023-05-02,普通,个人,T001;T002,2023-06-01,罚款,30000,补录\n\
         A2,区交通运输局,超载,2023-05-03,,简易,单位,T003,2023-05-03,罚款,200,\n\
         A3,区新城交通执法大队,超限运输,2023-05-04,,简易,个人,T004,2023-05-04,罚款,100,\n"
        );
        let out = import_file(
            &s,
            &objects,
            "cases.csv",
            csv.as_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap();
        let ImportOutcome::Imported { file, report } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            (file.rows_total, file.rows_imported, file.rows_rejected),
            (3, 3, 0)
        );
        assert_eq!(
            report.new_agencies,
            vec!["区新城交通执法大队".to_owned()],
            "a new name is registered and reported"
        );
        assert_eq!(report.unknown_columns, vec!["备注".to_owned()]);
        assert_eq!(file.agency_id, None, "two agencies: no single one");
        // The dataset is Parquet at a content address, and each row points back to (file, row).
        let location = file.dataset_location.clone().unwrap();
        assert!(location.ends_with(&format!("{}.parquet", file.dataset_id.clone().unwrap())));
        let batches = read_parquet(objects.get(&location).await.unwrap()).unwrap();
        let b = &batches[0];
        assert_eq!(b.num_rows(), 3);
        let rows = b
            .column_by_name("_row")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert_eq!(rows.values().to_vec(), vec![2, 3, 4]);
        let files = b.column_by_name("_file").unwrap().as_string::<i32>();
        assert_eq!(files.value(0), file.sha256);
        let agency = b
            .column_by_name("agency_id")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert_eq!(
            agency.value(0),
            agency.value(1),
            "alias and name are the same agency"
        );
        assert_ne!(agency.value(0), agency.value(2));
        let fine = b.column_by_name("fine_yuan").unwrap();
        assert_eq!(
            fine.data_type(),
            &arrow::datatypes::DataType::Decimal128(18, 2)
        );
        assert!(
            objects.exists(&file.original_path).await,
            "the original file is kept"
        );
        // Byte-identical again: nothing new.
        let again = import_file(
            &s,
            &objects,
            "copy.csv",
            csv.as_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap();
        assert!(matches!(again, ImportOutcome::AlreadyImported(f) if f.id == file.id));
        assert_eq!(
            s.list_imports(PageRequest::default()).await.unwrap().total,
            1
        );
        t.cleanup().await;
    }
);

both!(
    rejected_rows_import_nothing_unless_valid_rows_are_chosen,
    |backend| async move {
        let (t, store, objects) = setup(backend).await;
        let clerk = actor(&store, "clerk").await;
        let ctx = RequestCtx::default();
        let s = store.as_actor(&clerk, &ctx);
        let csv = format!(
            "{HEAD}A1,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100,\n\
         A2,区交通运输局,超载,2023-02-30,,简易,个人,T001,2023-05-01,罚款,100,\n"
        );
        let report = refused(&s, &objects, "bad.csv", csv.as_bytes()).await;
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(
            (
                report.rejected[0].row,
                report.rejected[0].column.as_str(),
                report.rejected[0].value.as_str()
            ),
            (3, "违法行为发生日期", "2023-02-30")
        );
        assert_eq!(
            s.list_imports(PageRequest::default()).await.unwrap().total,
            0,
            "nothing imported"
        );
        assert!(
            !t.dir.path().join("objects/datasets").exists(),
            "no dataset written"
        );
        let (file, _) = valid_rows_imported(&s, &objects, "bad.csv", csv.as_bytes()).await;
        assert_eq!((file.rows_imported, file.rows_rejected), (1, 1));
        t.cleanup().await;
    }
);

both!(
    a_liaison_imports_only_its_own_agency_and_a_supervisor_nothing,
    |backend| async move {
        let (t, store, objects) = setup(backend).await;
        let liaison = actor(&store, "liaison.jt").await;
        let ctx = RequestCtx::default();
        let s = store.as_actor(&liaison, &ctx);
        let csv = format!(
            "{HEAD}A1,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100,\n\
         A2,区公安局,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100,\n"
        );
        let report = refused(&s, &objects, "share.csv", csv.as_bytes()).await;
        assert_eq!(report.rejected[0].reason, "联络员只能导入本机关的执法记录");
        assert!(
            report.new_agencies.is_empty(),
            "a liaison registers no agencies"
        );
        let (file, _) = valid_rows_imported(&s, &objects, "share.csv", csv.as_bytes()).await;
        assert!(file.agency_id.is_some());
        assert_eq!(
            s.list_imports(PageRequest::default()).await.unwrap().total,
            1,
            "the liaison sees its own import"
        );
        let sup = actor(&store, "supervisor").await;
        let sv = store.as_actor(&sup, &ctx);
        let opts = ImportOptions {
            import_valid_rows: true,
            ..Default::default()
        };
        assert!(
            import_file(&sv, &objects, "x.csv", csv.as_bytes(), &opts)
                .await
                .is_err()
        );
        assert_eq!(
            sv.list_imports(PageRequest::default()).await.unwrap().total,
            0
        );
        t.cleanup().await;
    }
);

both!(
    a_refused_file_registers_no_new_agency,
    |backend| async move {
        let (t, store, objects) = setup(backend).await;
        let clerk = actor(&store, "clerk").await;
        let ctx = RequestCtx::default();
        let s = store.as_actor(&clerk, &ctx);
        let csv = format!(
            "{HEAD}A1,区新城交通执法大队,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100,\n\
         A2,区新城交通执法大队,超载,2023-02-30,,简易,个人,T001,2023-05-01,罚款,100,\n"
        );
        let report = refused(&s, &objects, "x.csv", csv.as_bytes()).await;
        assert_eq!(
            report.new_agencies,
            vec!["区新城交通执法大队".to_owned()],
            "reported as what would be registered"
        );
        assert!(
            store
                .system(&ctx)
                .find_agency("区新城交通执法大队")
                .await
                .unwrap()
                .is_none(),
            "but not registered"
        );
        let (_, report) = valid_rows_imported(&s, &objects, "x.csv", csv.as_bytes()).await;
        assert_eq!(report.new_agencies, vec!["区新城交通执法大队".to_owned()]);
        assert!(
            store
                .system(&ctx)
                .find_agency("区新城交通执法大队")
                .await
                .unwrap()
                .is_some()
        );
        t.cleanup().await;
    }
);

both!(
    a_file_of_several_chunks_keeps_every_row_in_order_and_its_problems,
    |backend| async move {
        let (t, store, objects) = setup(backend).await;
        let liaison = actor(&store, "liaison.jt").await;
        let ctx = RequestCtx::default();
        let s = store.as_actor(&liaison, &ctx);
        // 150,003 rows: records are made columnar 65,536 at a time.
        let mut csv = String::from(HEAD);
        for i in 0..150_000 {
            csv.push_str(&format!(
                "A{i},区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-05-0{},罚款,100,\n",
                1 + i % 9
            ));
        }
        // Row 150,002 repeats row 2's key; row 150,003 names another agency.
        csv.push_str("A0,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100,\n");
        csv.push_str("B1,区公安局交警大队,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100,\n");
        let report = refused(&s, &objects, "big.csv", csv.as_bytes()).await;
        let rows: Vec<usize> = report.rejected.iter().map(|p| p.row).collect();
        assert_eq!(rows, vec![150_002, 150_003]);
        assert!(report.rejected[0].reason.contains("与第 2 行重复"));
        assert_eq!(report.rejected[1].reason, "联络员只能导入本机关的执法记录");
        assert_eq!((report.rows_total, report.rows_valid), (150_002, 150_000));
        let (file, _) = valid_rows_imported(&s, &objects, "big.csv", csv.as_bytes()).await;
        assert_eq!((file.rows_imported, file.rows_rejected), (150_000, 2));
        let location = file.dataset_location.clone().unwrap();
        let batches = read_parquet(objects.get(&location).await.unwrap()).unwrap();
        let all = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
        let rows = all
            .column_by_name("_row")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert!(rows.values().iter().copied().eq(2..150_002));
        let agency = all
            .column_by_name("agency_id")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert_eq!(agency.null_count(), 0);
        assert!(agency.values().iter().all(|a| *a == agency.value(0)));
        t.cleanup().await;
    }
);

/// A file whose first 64 KiB are plain ASCII and whose last row is GBK is
/// read again as GB18030 once that row turns out not to be UTF-8.
#[test]
fn gbk_after_a_long_ascii_start_is_read_as_gb18030() {
    let mut text = String::from(
        "case_no,agency,violation_type,violation_date,filing_date,procedure,party_type,officers,decision_date,penalty_kinds,fine_yuan\n",
    );
    for i in 0..2_000 {
        text.push_str(&format!(
            "A{i},JT,overload,2023-05-01,,x,y,T001,2023-05-01,fine,100\n"
        ));
    }
    text.push_str("B1,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-05-01,罚款,100\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    assert!(gbk.iter().position(|b| !b.is_ascii()).unwrap() > 64 * 1024);
    let sha = xingjian_datasets::file_sha256(&gbk);
    let p = xingjian_datasets::prepare("late.csv", gbk.into_owned().into(), sha, None).unwrap();
    assert_eq!(p.source_format, "GB18030");
    assert_eq!(p.rows_total, 2_001);
}
