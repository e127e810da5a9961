# Person and PersonGroup move from core to this app (ADR 0001, Layout). The move is state only: the tables keep
# their names (core_person, core_persongroup, set as db_table), their rows, indexes, constraints and the foreign
# keys pointing at them; nothing is copied. training 0005 points Enrollment.person and CheckIn.person here, then
# core 0007 forgets the old models; 0002 moves their content types (and so their permissions) to this app.

import django.db.models.deletion
import lijiao.core.pii
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0006_decisionrecord'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='Person',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='姓名')),
                ('citizen_id', lijiao.core.pii.EncryptedPIIField(kind='citizen_id', verbose_name='身份证号')),
                ('citizen_id_digest', lijiao.core.pii.PIIDigestField(db_index=False, source='citizen_id')),
                ('gender', models.CharField(choices=[('M', '男'), ('F', '女')], max_length=1, verbose_name='性别')),
                ('birth_date', models.DateField(verbose_name='出生日期')),
                ('phone', lijiao.core.pii.EncryptedPIIField(blank=True, kind='phone', verbose_name='手机号')),
                ('phone_digest', lijiao.core.pii.PIIDigestField(db_index=False, source='phone')),
                ('household', models.CharField(blank=True, choices=[('urban', '城镇'), ('rural', '农村')], max_length=10, verbose_name='户籍类型')),
                ('education', models.CharField(blank=True, choices=[('primary', '小学及以下'), ('junior', '初中'), ('senior', '高中/中专/技校'), ('college', '大专'), ('bachelor', '本科'), ('postgraduate', '研究生')], max_length=15, verbose_name='学历')),
                ('employer_name', models.CharField(blank=True, max_length=100, verbose_name='工作单位')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='修改时间')),
            ],
            options={
                'verbose_name': '人员',
                'verbose_name_plural': '人员',
                'db_table': 'core_person',
                'indexes': [models.Index(fields=['phone_digest'], name='core_person_phone_idx')],
                'constraints': [models.UniqueConstraint(fields=('citizen_id_digest',), name='core_person_citizen_id_uniq')],
            },
        ),
        migrations.CreateModel(
            name='PersonGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('group', models.CharField(choices=[('graduate', '高校毕业生（毕业年度及离校3年内）'), ('upcoming_graduate', '毕业年度高校毕业生'), ('unemployed', '城镇登记失业人员'), ('rural_migrant', '农村转移劳动者'), ('low_income', '脱贫/低保家庭成员'), ('veteran', '退役军人'), ('disabled', '残疾人'), ('employee', '企业职工'), ('insured', '参保职工'), ('student', '在校学生'), ('public_institution', '事业单位人员')], max_length=20, verbose_name='人员类别')),
                ('graduation_year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='毕业年份')),
                ('registration_number', models.CharField(blank=True, help_text='失业登记证号等', max_length=50, verbose_name='登记/证明编号')),
                ('insured_months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='参保月数')),
                ('employer_name', models.CharField(blank=True, max_length=100, verbose_name='单位')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
                ('person', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='groups', to='people.person', verbose_name='人员')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
            ],
            options={
                'verbose_name': '人员类别',
                'verbose_name_plural': '人员类别',
                'db_table': 'core_persongroup',
                'constraints': [models.UniqueConstraint(fields=('person', 'group'), name='core_person_group_unique')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
