-- Local and test data: three users, each owning one WhatsApp instance. The provider tokens are
-- the ones the local WhatsApp sandbox accepts.
insert into auth.users (id, email) values
  ('00000000-0000-4000-8000-00000000a001', 'joao@example.com'),
  ('00000000-0000-4000-8000-00000000a002', 'maria@example.com'),
  ('00000000-0000-4000-8000-00000000a003', 'pedro@example.com');

insert into public.whatsapp_instances (id, user_id, name, instance_token, provider_token, status)
values
  (
    '00000000-0000-4000-8000-00000000b001',
    '00000000-0000-4000-8000-00000000a001',
    'Vendas',
    'abc123',
    'sandbox-provider-vendas',
    'connected'
  ),
  (
    '00000000-0000-4000-8000-00000000b002',
    '00000000-0000-4000-8000-00000000a002',
    'Suporte',
    'def456',
    'sandbox-provider-suporte',
    'connected'
  ),
  (
    '00000000-0000-4000-8000-00000000b003',
    '00000000-0000-4000-8000-00000000a003',
    'Marketing',
    'ghi789',
    'sandbox-provider-marketing',
    'disconnected'
  );
